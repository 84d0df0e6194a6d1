// The Temporal Web UI for a Temporal server we do not run in-process (the CLI's start-dev UI serves only its own
// dev server): the ui-server Go module's binary, with its assets built in, pointed at the frontend.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stopChild } from './temporal-dev-server.ts';
import { assertPortFree, StartupError } from './startup-error.ts';

export interface TemporalUiHandle {
  url: string;
  stop(): Promise<void>;
}

export async function startTemporalUi(opts: { uiPath: string; dir: string; temporalAddress: string; port: number; namespace: string; log?: (line: string) => void }): Promise<TemporalUiHandle> {
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  // Its loader reads base.yaml, then <env>.yaml from the config folder.
  writeFileSync(join(dir, 'base.yaml'), '');
  writeFileSync(
    join(dir, 'dsrflow.yaml'),
    JSON.stringify({
      temporalGrpcAddress: opts.temporalAddress,
      host: '127.0.0.1',
      port: opts.port,
      enableUi: true,
      defaultNamespace: opts.namespace,
      // Nothing is fetched from the internet, and the operator is not nagged about versions.
      disableNewsFetch: true,
      notifyOnNewVersion: false,
      refreshInterval: '1m',
      cors: { cookieInsecure: true, allowOrigins: [], unsafeAllowAllOrigins: false },
      forwardHeaders: [],
    }),
  );
  await assertPortFree(opts.port, '127.0.0.1', 'TEMPORAL_UI_PORT', 'The Temporal Web UI');
  const child = spawn(opts.uiPath, ['--root', dir, '--config', '.', '--env', 'dsrflow', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (d: Buffer) => {
    const text = d.toString().trim();
    opts.log?.(text);
    output.push(...text.split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 10));
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = code !== null ? `code ${code}` : `signal ${signal}`));
  child.once('error', (error: NodeJS.ErrnoException) => (exited = error.code ?? error.message));
  const url = `http://localhost:${opts.port}`;
  const started = Date.now();
  while (Date.now() - started < 30_000) {
    if (exited !== null) throw new StartupError(`The Temporal Web UI stopped before it was ready (${exited}): ${output.slice(-3).join(' / ')}`);
    const answer = await fetch(`http://127.0.0.1:${opts.port}/`).catch(() => null);
    if (answer?.ok) return { url, stop: () => stopChild(child) };
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new StartupError(`The Temporal Web UI did not answer on ${url} within 30 s: ${output.slice(-3).join(' / ')}`);
}
