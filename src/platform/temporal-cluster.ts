// The production Temporal server (not the dev server) on PostgreSQL, run by us: its two databases set up by the
// server's own schema tool, a generated config, namespace and search attributes registered, and its Web UI.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import proto from '@temporalio/proto';
import pg from 'pg';
import { stopChild, type SearchAttributeSpec } from './temporal-dev-server.ts';
import { assertPortFree, StartupError } from './startup-error.ts';

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** The server's services, each with its gRPC and membership port (one process runs all four). Membership ports are
 * stored as PostgreSQL smallint: below 32768. */
export interface TemporalClusterPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** Temporal's usual layout around a frontend port: 7233 gives 7234/7235/7239, 6933-6939 and HTTP 7243. */
export const standardPorts = (frontend: number): TemporalClusterPorts => ({
  frontend,
  frontendHttp: frontend + 10,
  frontendMembership: frontend - 300,
  history: frontend + 1,
  historyMembership: frontend - 299,
  matching: frontend + 2,
  matchingMembership: frontend - 298,
  worker: frontend + 6,
  workerMembership: frontend - 294,
});

/** Temporal's layout around a free frontend port low enough for its membership ports (tests, benches). */
export async function freeClusterPorts(): Promise<TemporalClusterPorts> {
  for (;;) {
    const ports = standardPorts(20_000 + Math.floor(Math.random() * 12_000));
    if ((await Promise.all(Object.values(ports).map(isFree))).every(Boolean)) return ports;
  }
}

const isFree = (port: number) =>
  new Promise<boolean>((resolveFree) => {
    const server = createServer().once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });

export const TEMPORAL_DATABASES = { temporal: 'postgresql/v12/temporal', temporal_visibility: 'postgresql/v12/visibility' } as const;

/**
 * Creates the databases and brings their schemas to the server's version with its SQL tool. Idempotent: an existing
 * schema is only updated (setup-schema on a set-up database would record version 0.0 again).
 */
export async function setupTemporalDatabases(opts: { sqlPath: string; postgres: PostgresServer; log?: (line: string) => void }): Promise<void> {
  const env = { ...process.env, SQL_PLUGIN: 'postgres12', SQL_HOST: opts.postgres.host, SQL_PORT: String(opts.postgres.port), SQL_USER: opts.postgres.user, SQL_PASSWORD: opts.postgres.password };
  for (const [database, schemaName] of Object.entries(TEMPORAL_DATABASES)) {
    if (!(await hasSchemaVersion(opts.postgres, database))) {
      await runTool(opts.sqlPath, ['--db', database, 'setup-schema', '-v', '0.0'], env, opts.log);
    }
    await runTool(opts.sqlPath, ['--db', database, 'update-schema', '--schema-name', schemaName], env, opts.log);
  }
}

async function hasSchemaVersion(server: PostgresServer, database: string): Promise<boolean> {
  const admin = new pg.Client({ ...server, database: 'postgres', connectionTimeoutMillis: 10_000 });
  admin.on('error', () => {});
  await admin.connect();
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await admin.query(`create database ${admin.escapeIdentifier(database)}`);
  } finally {
    await admin.end().catch(() => {});
  }
  const db = new pg.Client({ ...server, database, connectionTimeoutMillis: 10_000 });
  db.on('error', () => {});
  await db.connect();
  try {
    const { rows } = await db.query<{ present: boolean }>("select to_regclass('schema_version') is not null as present");
    return rows[0]!.present;
  } finally {
    await db.end().catch(() => {});
  }
}

function runTool(file: string, args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void = () => {}): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const collect = (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        output.push(line);
        log(line);
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('error', (error: NodeJS.ErrnoException) => reject(new StartupError(`Cannot run ${file} (${error.code ?? error.message}): run \`npm run tools -- install --cluster\`.`)));
    child.once('close', (code) =>
      code === 0 ? resolveRun() : reject(new StartupError(`The Temporal SQL tool failed (${args.slice(2).join(' ')} on ${args[1]}): ${output.slice(-2).join(' / ') || `exit ${code}`}`)),
    );
  });
}

/** The server's static config: one process with all four services, PostgreSQL persistence, no archival. */
export function serverConfig(opts: { postgres: PostgresServer; ports: TemporalClusterPorts; dynamicConfigFile: string; logLevel?: string }): string {
  const store = (databaseName: string, maxConns: number) => ({
    sql: { pluginName: 'postgres12', databaseName, connectAddr: `${opts.postgres.host}:${opts.postgres.port}`, connectProtocol: 'tcp', user: opts.postgres.user, password: opts.postgres.password, maxConns, maxIdleConns: maxConns, maxConnLifetime: '1h' },
  });
  const service = (grpcPort: number, membershipPort: number, extra: Record<string, number> = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  const p = opts.ports;
  // JSON is YAML: no YAML writer needed for a file only the server reads.
  return JSON.stringify(
    {
      log: { stdout: true, level: opts.logLevel ?? 'warn' },
      persistence: { defaultStore: 'postgres-default', visibilityStore: 'postgres-visibility', numHistoryShards: 4, datastores: { 'postgres-default': store('temporal', 20), 'postgres-visibility': store('temporal_visibility', 10) } },
      global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
      services: {
        frontend: service(p.frontend, p.frontendMembership, { httpPort: p.frontendHttp }),
        history: service(p.history, p.historyMembership),
        matching: service(p.matching, p.matchingMembership),
        worker: service(p.worker, p.workerMembership),
      },
      clusterMetadata: {
        enableGlobalNamespace: false,
        failoverVersionIncrement: 10,
        masterClusterName: 'active',
        currentClusterName: 'active',
        clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${p.frontend}` } },
      },
      dcRedirectionPolicy: { policy: 'noop' },
      archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
      namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
      dynamicConfigClient: { filepath: opts.dynamicConfigFile, pollInterval: '10s' },
    },
    null,
    2,
  );
}

// The same dynamic config docker-compose.yml mounts (system.forceSearchAttributesCacheRefreshOnRead).
export const DYNAMIC_CONFIG_FILE = fileURLToPath(new URL('../../config/temporal-dynamicconfig.yaml', import.meta.url));

export interface TemporalServerHandle {
  address: string;
  pid(): number;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Stops (gracefully, or SIGKILL: a crash) and starts the same server again on the same ports and databases. */
  restart(opts?: { kill?: boolean }): Promise<void>;
}

export interface TemporalServerOptions {
  serverPath: string;
  /** Config files and the server's log go here. */
  dir: string;
  postgres: PostgresServer;
  ports: TemporalClusterPorts;
  namespace: string;
  searchAttributes: readonly SearchAttributeSpec[];
  log?: (line: string) => void;
}

/** Starts the server, then registers the namespace and our search attributes (both idempotent). */
export async function startTemporalServer(opts: TemporalServerOptions): Promise<TemporalServerHandle> {
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const dynamicConfigFile = DYNAMIC_CONFIG_FILE;
  const configFile = join(dir, 'temporal.yaml');
  // The config holds the database password: readable by its owner only.
  writeFileSync(configFile, serverConfig({ postgres: opts.postgres, ports: opts.ports, dynamicConfigFile }), { mode: 0o600 });
  const address = `127.0.0.1:${opts.ports.frontend}`;
  let child: ChildProcess;
  const launch = async () => {
    await assertPortFree(opts.ports.frontend, '127.0.0.1', 'TEMPORAL_PORT', 'The Temporal server');
    child = spawn(opts.serverPath, ['--config-file', configFile, '--allow-no-auth', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const logFile = createWriteStream(join(dir, 'temporal.log'), { flags: 'a' });
    child.stdout!.pipe(logFile, { end: false });
    child.stderr!.pipe(logFile, { end: false });
    child.once('exit', () => logFile.end());
    const output: string[] = [];
    const collect = (d: Buffer) => {
      const text = d.toString().trim();
      opts.log?.(text);
      output.push(...text.split('\n').filter(Boolean));
      output.splice(0, Math.max(0, output.length - 20));
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    await untilServing(child, address, output);
  };
  await launch();
  await registerNamespace(address, opts.namespace, opts.searchAttributes);
  return {
    address,
    pid: () => child.pid!,
    kill: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    stop: () => stopChild(child, 20_000),
    async restart(how = {}) {
      if (how.kill) child.kill('SIGKILL');
      await stopChild(child, 20_000);
      await launch();
    },
  };
}

/** The server logs JSON with stack traces: its last words are the message and error of its last lines. */
const lastWords = (output: string[]) =>
  output
    .slice(-2)
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; error?: string };
        return [entry.msg, entry.error].filter(Boolean).join(': ');
      } catch {
        return line.slice(0, 300);
      }
    })
    .join(' / ');

async function untilServing(child: ChildProcess, address: string, output: string[], timeoutMs = 60_000): Promise<void> {
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = code !== null ? `code ${code}` : `signal ${signal}`));
  child.once('error', (error: NodeJS.ErrnoException) => (exited = `${error.code ?? error.message}: run \`npm run tools -- install --cluster\``));
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (exited !== null) throw new StartupError(`The Temporal server stopped before it was ready (${exited}): ${lastWords(output)}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        const health = await connection.healthService.check({});
        if (health.status === proto.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING) return;
      } finally {
        await connection.close();
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new StartupError(`The Temporal server did not answer on ${address} within ${timeoutMs / 1000} s: ${lastWords(output)}`);
}

async function registerNamespace(address: string, namespace: string, searchAttributes: readonly SearchAttributeSpec[]): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('30 days') });
    } catch (error) {
      if (!/already exists|AlreadyExists/i.test((error as Error).message)) throw error;
    }
    // The namespace is served a moment after it is registered.
    for (let i = 0; ; i++) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        break;
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = searchAttributes.filter((a) => !(a.name in (customAttributes ?? {})));
    if (missing.length === 0) return;
    const types = proto.temporal.api.enums.v1.IndexedValueType;
    const typeOf = (t: string) => types[`INDEXED_VALUE_TYPE_${t}` as keyof typeof types] as proto.temporal.api.enums.v1.IndexedValueType;
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((a) => [a.name, typeOf(a.type)])) });
  } finally {
    await connection.close();
  }
}
