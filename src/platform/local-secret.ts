import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A secret made once for `npm start` and kept under DATA_DIR (readable by its owner only), so it stays the same
 * across restarts. `usable` says why a kept file cannot be used (or null when it can).
 */
export async function localSecretFile(dataDir: string, name: string, make: () => string, usable: (kept: string) => string | null): Promise<string> {
  const file = join(dataDir, name);
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    const problem = usable(kept);
    if (problem === null) return kept;
    throw new Error(`${file} ${problem}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  // Written whole under a private name, then linked into place: another process never reads a half-written file,
  // and when two start at once the first link wins and both use its secret.
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  await writeFile(draft, `${make()}\n`, { mode: 0o600 });
  try {
    await link(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(draft).catch(() => {});
  }
  return (await readFile(file, 'utf8')).trim();
}
