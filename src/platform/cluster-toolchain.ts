import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isExecutable, toolsDir } from './toolchain.ts';

// The production Temporal server, its schema tool and the Web UI server, built from pinned Go modules (no release
// binary is reachable from our machines). The machine's Go is too old for the modules: GOTOOLCHAIN fetches the pinned one.
export const GO_TOOLCHAIN = 'go1.26.10';
export const TEMPORAL_SERVER_VERSION = 'v1.32.2';
export const TEMPORAL_UI_VERSION = 'v2.56.4';

const pins = {
  server: { module: 'go.temporal.io/server', path: 'cmd/server', version: TEMPORAL_SERVER_VERSION, folder: 'temporal-server' },
  sql: { module: 'go.temporal.io/server', path: 'cmd/tools/sql', version: TEMPORAL_SERVER_VERSION, folder: 'temporal-server' },
  // Its binary is also called `server`: it gets a folder of its own.
  ui: { module: 'github.com/temporalio/ui-server/v2', path: 'cmd/server', version: TEMPORAL_UI_VERSION, folder: 'temporal-ui' },
} as const;

export type ClusterBinary = keyof typeof pins;
export const CLUSTER_BINARIES = Object.keys(pins) as ClusterBinary[];
export const clusterBinaryTarget = (name: ClusterBinary) => `${pins[name].module}/${pins[name].path}@${pins[name].version}`;

/** Where a pinned binary goes: one folder per version, so a version bump builds afresh and the old one stays usable. */
const binDir = (name: ClusterBinary, root = process.cwd()) => join(toolsDir(root), pins[name].folder, pins[name].version);
export const clusterBinary = (name: ClusterBinary, root?: string) => join(binDir(name, root), name === 'ui' ? 'server' : name);


/** The pinned binaries that are not built yet. */
export const missingClusterBinaries = (root?: string): ClusterBinary[] =>
  CLUSTER_BINARIES.filter((name) => !isExecutable(clusterBinary(name, root)));

/** The environment of `go install`: a project-local GOPATH, module cache and build cache, all under .tools/ (ignored). */
export function goEnvironment(name: ClusterBinary, root = process.cwd(), base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const goPath = join(toolsDir(root), 'go');
  return {
    ...base,
    GOTOOLCHAIN: GO_TOOLCHAIN,
    GOFLAGS: '-mod=mod',
    GOPATH: goPath,
    GOMODCACHE: join(goPath, 'pkg', 'mod'),
    GOCACHE: join(goPath, 'cache'),
    GOBIN: binDir(name, root),
  };
}

/**
 * Builds the missing pinned binaries (idempotent: nothing to do when all exist). About 7 minutes on 2 cores the
 * first time. Returns false, having said why, when Go or the module proxy is not available.
 */
export async function installClusterTools(root = process.cwd(), log: (line: string) => void = console.log): Promise<boolean> {
  const missing = missingClusterBinaries(root);
  if (missing.length === 0) return true;
  for (const name of missing) {
    mkdirSync(binDir(name, root), { recursive: true });
    const target = clusterBinaryTarget(name);
    log(`building ${target} into ${binDir(name, root)}${name === 'server' ? ' (about 7 minutes on 2 cores)' : ''}`);
    const code = await new Promise<number | string>((resolve) => {
      const child = spawn('go', ['install', target], { env: goEnvironment(name, root), stdio: 'inherit' });
      child.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      child.once('close', (exit, signal) => resolve(exit ?? `signal ${signal}`));
    });
    if (code !== 0) {
      log(`could not build ${target} (${code === 'ENOENT' ? 'no `go` on PATH: install Go 1.22 or later' : `go install: ${code}`})`);
      return false;
    }
  }
  return true;
}
