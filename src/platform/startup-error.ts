import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename } from 'node:path';

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

/** A database that cannot be used at start-up, named by host and port (never the URL: it holds the password). */
export const databaseUnusable = (url: string, error: unknown) => {
  const { hostname, port } = new URL(url);
  return new StartupError(`PostgreSQL at ${hostname}:${port || 5432} (DATABASE_URL) cannot be used: ${startupFailureLine(error)}. Start it, or fix DATABASE_URL.`, { cause: error });
};

export const portInUse = (port: number, host: string, setting: string, what: string) => {
  const holder = portHolder(port);
  return new StartupError(
    `${what}: port ${port} on ${host} is already in use by ${holder ? `pid ${holder.pid} (${holder.command})` : 'another program'}. Stop it${holder ? ` (kill ${holder.pid})` : ''}, or set ${setting} to a free port.`,
  );
};

/** Linux: the process listening on a TCP port, from /proc (a leftover of a killed `npm start` is named this way). */
export function portHolder(port: number): { pid: number; command: string } | undefined {
  try {
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        // local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 10 is the socket's inode.
        if (f.length > 9 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
      }
    }
    if (inodes.size === 0) return undefined;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let link: string;
        try {
          link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode && inodes.has(inode)) return { pid: Number(pid), command: basename(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!) };
      }
    }
  } catch {
    // No /proc (not Linux): the message names no process.
  }
  return undefined;
}

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
