// One dsrflow process (`npm run worker` or `npm run api`) run as a child of the cluster stack, its output in a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StartupError } from '../platform/startup-error.ts';

const ENTRY = { worker: fileURLToPath(new URL('../worker.ts', import.meta.url)), api: fileURLToPath(new URL('../server.ts', import.meta.url)) };

// The worker's last start-up step (src/main/processes.ts runWorker): from here it polls.
const WORKER_READY = 'recorded requests sweep schedule';

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

export async function startAppProcess(opts: { kind: 'worker' | 'api'; name: string; env: NodeJS.ProcessEnv; logFile: string; apiUrl?: string; timeoutMs?: number }): Promise<AppProcess> {
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
  const ready =
    opts.kind === 'worker'
      ? new Promise<void>((resolve) => {
          let seen = '';
          child.stdout!.on('data', (d: Buffer) => {
            seen = (seen + d.toString()).slice(-4096);
            if (seen.includes(WORKER_READY)) resolve();
          });
        })
      : untilHealthy(opts.apiUrl!, () => ended !== null);
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

async function untilHealthy(apiUrl: string, gone: () => boolean): Promise<void> {
  while (!gone()) {
    const answer = await fetch(`${apiUrl}/healthz`).catch(() => null);
    if (answer?.ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
