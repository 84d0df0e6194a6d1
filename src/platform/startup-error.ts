import { createServer } from 'node:net';

/** A part of the stack that cannot start; the message is one line naming the cause and the fix. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.replace(/\s*\n\s*/g, ' '), options);
    this.name = 'StartupError';
  }
}

/** What to print for any start-up failure: the StartupError's own line, else the error's first line and its kind. */
export function startupFailureLine(error: unknown): string {
  if (error instanceof StartupError) return error.message;
  if (error instanceof Error) {
    const first = (error.message || '(no message)').split('\n')[0]!;
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${first}`;
  }
  return String(error);
}

export const portInUse = (port: number, host: string, setting: string, what: string) =>
  new StartupError(`${what}: port ${port} on ${host} is already in use by another program. Stop that program, or set ${setting} to a free port.`);

/** Fails with the one-line port message when something already listens where a part is about to. */
export function assertPortFree(port: number, host: string, setting: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(portInUse(port, host, setting, what));
      else if (error.code === 'EACCES') reject(new StartupError(`${what}: may not listen on port ${port} (${error.code}). Set ${setting} to a port above 1023.`));
      else reject(new StartupError(`${what}: cannot listen on ${host}:${port} (${error.code ?? error.message}). Check ${setting}.`));
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
