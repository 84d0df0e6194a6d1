import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Connection } from '@temporalio/client';

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
  ];
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = opts.log ?? (() => {});
  child.stdout?.on('data', (d: Buffer) => log(d.toString().trim()));
  child.stderr?.on('data', (d: Buffer) => log(d.toString().trim()));
  const address = `127.0.0.1:${opts.port}`;
  await waitUntilServing(child, address, opts.namespace);
  return { address, uiUrl: `http://localhost:${opts.uiPort}`, stop: () => stopChild(child) };
}

async function waitUntilServing(child: ChildProcess, address: string, namespace: string, timeoutMs = 60_000) {
  const started = Date.now();
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  while (Date.now() - started < timeoutMs) {
    if (exited !== null) throw new Error(`temporal server start-dev exited with code ${exited} before it was ready`);
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
  throw new Error(`temporal server start-dev did not answer on ${address} within ${timeoutMs / 1000}s`);
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
