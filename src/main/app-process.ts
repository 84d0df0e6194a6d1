// One dsrflow process (`npm run worker` or `npm run api`) run as a child of the cluster stack, its output in a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StartupError } from '../platform/startup-error.ts';

const ENTRY = { worker: fileURLToPath(new URL('../worker.ts', import.meta.url)), api: fileURLToPath(new URL('../server.ts', import.meta.url)) };


export interface AppProcess {
  name: string;
  pid: number;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<string>;
  /** kill -9: the process dies mid-task, as in a crash or an OOM kill. */
  kill(): Promise<void>;
  /** SIGTERM: the SDK worker drains (its shutdown grace time), the API closes. */
  stop(): Promise<void>;
}

export async function startAppProcess(opts: {
  kind: 'worker' | 'api';
  name: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  apiUrl?: string;
  /** A worker is ready once Temporal lists it among the task queue's pollers (whatever its log level). */
  isPolling?: (pid: number) => Promise<boolean>;
  timeoutMs?: number;
}): Promise<AppProcess> {
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const child: ChildProcess = spawn(process.execPath, [ENTRY[opts.kind]], { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      log.end();
      resolve(code !== null ? `exit ${code}` : `signal ${signal}`);
    }),
  );
  let ended: string | null = null;
  void exited.then((how) => (ended = how));
  const gone = () => ended !== null;
  const ready = opts.kind === 'worker' ? untilPolling(() => opts.isPolling!(child.pid!), gone) : untilHealthy(opts.apiUrl!, gone);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready'),
    exited,
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    throw new StartupError(`${opts.name} did not start (${outcome === 'timeout' ? `not ready within ${timeoutMs / 1000} s` : outcome}): see ${opts.logFile}`);
  }
  const signalAndWait = async (signal: NodeJS.Signals) => {
    if (ended === null) child.kill(signal);
    await exited;
  };
  return { name: opts.name, pid: child.pid!, exited, kill: () => signalAndWait('SIGKILL'), stop: () => signalAndWait('SIGTERM') };
}

async function untilPolling(isPolling: () => Promise<boolean>, gone: () => boolean): Promise<void> {
  while (!gone()) {
    if (await isPolling().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function untilHealthy(apiUrl: string, gone: () => boolean): Promise<void> {
  while (!gone()) {
    const answer = await fetch(`${apiUrl}/healthz`).catch(() => null);
    if (answer?.ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
