import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { assertPortFree, StartupError } from './startup-error.ts';

// The CLI spells search attribute types in PascalCase.
const cliType: Record<string, string> = { KEYWORD: 'Keyword', TEXT: 'Text', DATETIME: 'Datetime', BOOL: 'Bool', INT: 'Int', DOUBLE: 'Double', KEYWORD_LIST: 'KeywordList' };

/** A search attribute as the SDK defines it (the application's list is passed in: platform knows no workflow). */
export interface SearchAttributeSpec {
  name: string;
  type: string;
}

export const searchAttributeArgs = (searchAttributes: readonly SearchAttributeSpec[]): string[] =>
  searchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${cliType[key.type]}`]);

export interface DevServerHandle {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * Runs `temporal server start-dev` (Temporal Server + SQLite + Web UI in one process), persisted to
 * `dbFile` so a restart keeps in-flight workflows, with our search attributes registered.
 */
export async function startTemporalDevServer(opts: {
  cliPath: string;
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  searchAttributes: readonly SearchAttributeSpec[];
  /** The codec server the Web UI sends payloads to for decryption (dsrflow's /console/codec). */
  codecEndpoint?: string;
  log?: (line: string) => void;
}): Promise<DevServerHandle> {
  mkdirSync(dirname(resolve(opts.dbFile)), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--db-filename', resolve(opts.dbFile),
    '--namespace', opts.namespace,
    '--log-level', 'warn',
    ...searchAttributeArgs(opts.searchAttributes),
    ...(opts.codecEndpoint ? ['--ui-codec-endpoint', opts.codecEndpoint] : []),
  ];
  await assertPortFree(opts.port, '127.0.0.1', 'TEMPORAL_PORT', 'The Temporal dev server');
  await assertPortFree(opts.uiPort, '127.0.0.1', 'TEMPORAL_UI_PORT', 'The Temporal Web UI');
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = opts.log ?? (() => {});
  const output: string[] = [];
  const collect = (d: Buffer) => {
    const text = d.toString().trim();
    log(text);
    output.push(...text.split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 20));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const address = `127.0.0.1:${opts.port}`;
  await waitUntilServing(child, address, opts.namespace, output);
  return { address, uiUrl: `http://localhost:${opts.uiPort}`, stop: () => stopChild(child) };
}

async function waitUntilServing(child: ChildProcess, address: string, namespace: string, output: string[], timeoutMs = 60_000) {
  const started = Date.now();
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = code !== null ? `code ${code}` : `signal ${signal}`));
  child.once('error', (error: NodeJS.ErrnoException) => (exited = `${error.code ?? error.message}: the binary could not be run`));
  const lastWords = () => (output.length > 0 ? `: ${output.slice(-3).join(' / ')}` : '');
  while (Date.now() - started < timeoutMs) {
    if (exited !== null) {
      throw new StartupError(`The Temporal dev server stopped before it was ready (${exited})${lastWords()}. Run it by hand to see why, or set TEMPORAL_ADDRESS to a Temporal of yours.`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  child.kill('SIGKILL');
  throw new StartupError(`The Temporal dev server did not answer on ${address} within ${timeoutMs / 1000} s${lastWords()}. Set LOG_LEVEL=debug to see its output.`);
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
