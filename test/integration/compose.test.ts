// docker-compose.yml, checked the way an operator would before deploying it: every service is there,
// the app gets its connections, the search attributes registered are exactly the ones the workflows
// use, every env var the app is given is one it reads, images are pinned and ports stay on loopback.
//
// Two readings of the file: `docker compose config --format json` (the real resolver; skipped where
// the docker client has no compose plugin) and a YAML parse with compose's ${VAR} interpolation,
// which runs everywhere. The same checks run on both, and a last group proves each check can fail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../src/platform/config.ts';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.ts';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../src/platform/cluster-toolchain.ts';

const COMPOSE_FILE = new URL('../../docker-compose.yml', import.meta.url);
const PROJECT_DIR = new URL('../../', import.meta.url);

/** The only variable the file requires; everything else has a default. */
const OWNER_TOKEN = 'compose-test-owner-token-0123456789';
const COMPOSE_ENV: Record<string, string> = { DSRFLOW_OWNER_TOKEN: OWNER_TOKEN };

const EXPECTED_SERVICES = [
  'postgresql',
  'dsrflow-db-init',
  'temporal',
  'temporal-setup',
  'temporal-ui',
  'mailcatcher',
  'dsrflow-migrate',
  'dsrflow-worker',
  'dsrflow-api',
] as const;
/** Services running dsrflow's own code: they read src/platform/config.ts. */
const APP_SERVICES = ['dsrflow-migrate', 'dsrflow-worker', 'dsrflow-api'] as const;
/** Long-running app services: they start workflows, so they wait for migrations and search attributes. */
const LONG_RUNNING = ['dsrflow-worker', 'dsrflow-api'] as const;
const SETUP_SERVICE = 'temporal-setup';
const REQUIRED_CONNECTIONS = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL'] as const;

// --- a normalized model of a compose file, whichever way it was read ------------------------------

interface Port {
  hostIp: string | undefined;
  published: string | undefined;
  target: string;
}

interface Service {
  image: string | undefined;
  environment: Record<string, string | null>;
  ports: Port[];
  dependsOn: Record<string, string>;
  /** entrypoint and command, joined: what the container runs. */
  script: string;
}

type Model = Record<string, Service>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function asStrings(v: Json | undefined): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

function environmentOf(v: Json | undefined): Record<string, string | null> {
  if (v === undefined || v === null) return {};
  if (Array.isArray(v)) {
    return Object.fromEntries(
      v.map((entry) => {
        const text = String(entry);
        const eq = text.indexOf('=');
        return eq < 0 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)];
      }),
    );
  }
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, val === null ? null : String(val)]));
  throw new Error(`environment: unexpected ${JSON.stringify(v)}`);
}

/** Short syntax ("127.0.0.1:3000:3000", "3000:3000", "3000", "[::1]:80:80/tcp") or long syntax. */
function portOf(v: Json): Port {
  if (isObject(v)) {
    const hostIp = v['host_ip'];
    const published = v['published'];
    return {
      hostIp: hostIp === undefined || hostIp === null ? undefined : String(hostIp),
      published: published === undefined || published === null ? undefined : String(published),
      target: String(v['target']),
    };
  }
  const text = String(v).replace(/\/(tcp|udp)$/, '');
  const match = /^(?:(\[[^\]]+\]|[^:[\]]+):)??(?:([^:]*):)?([^:]+)$/.exec(text);
  if (!match) throw new Error(`ports: cannot read ${text}`);
  const [, hostIp, published, target] = match;
  return { hostIp: hostIp?.replace(/^\[|\]$/g, ''), published: published || undefined, target: target ?? '' };
}

function dependsOnOf(v: Json | undefined): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((name) => [String(name), 'service_started']));
  if (isObject(v)) {
    return Object.fromEntries(
      Object.entries(v).map(([name, spec]) => [name, isObject(spec) && typeof spec['condition'] === 'string' ? spec['condition'] : 'service_started']),
    );
  }
  throw new Error(`depends_on: unexpected ${JSON.stringify(v)}`);
}

function modelOf(document: unknown): Model {
  assert.ok(isObject(document), 'the compose file is a mapping');
  const services = document['services'];
  assert.ok(isObject(services), 'the compose file has services');
  const model: Model = {};
  for (const [name, raw] of Object.entries(services)) {
    assert.ok(isObject(raw), `service ${name} is a mapping`);
    model[name] = {
      image: typeof raw['image'] === 'string' ? raw['image'] : undefined,
      environment: environmentOf(raw['environment']),
      ports: Array.isArray(raw['ports']) ? raw['ports'].map(portOf) : [],
      dependsOn: dependsOnOf(raw['depends_on']),
      script: [...asStrings(raw['entrypoint']), ...asStrings(raw['command'])].join(' '),
    };
  }
  return model;
}

// --- reading the file -------------------------------------------------------------------------------

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR; `$$` stays escaped. */
export function interpolate(text: string, env: Record<string, string | undefined>, where = ''): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return whole;
    const name = (braced ?? bare)!;
    const value = env[name];
    const missing = op?.startsWith(':') ? value === undefined || value === '' : value === undefined;
    if (!missing) return value!;
    if (op === ':-' || op === '-') return arg ?? '';
    if (op === ':?' || op === '?') throw new Error(`${where}: required variable ${name} is missing a value: ${arg}`);
    return '';
  });
}

function interpolateAll(value: unknown, env: Record<string, string | undefined>, where: string): Json {
  if (typeof value === 'string') return interpolate(value, env, where);
  if (Array.isArray(value)) return value.map((v, i) => interpolateAll(v, env, `${where}[${i}]`));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env, where ? `${where}.${k}` : k)]));
  return value as Json;
}

function readWithYaml(env: Record<string, string | undefined>): Model {
  // merge: true honours the `<<: *anchor` keys the file uses, as compose does.
  const document: unknown = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true });
  return modelOf(interpolateAll(document, env, ''));
}

/** Environment for the docker client: only what it needs to run, so the result does not depend on the caller's shell. */
function dockerEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'DOCKER_CONFIG', 'DOCKER_HOST', 'DOCKER_CONTEXT']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...extra };
}

function dockerCompose(args: string[], env: Record<string, string>) {
  return spawnSync('docker', ['compose', ...args], { cwd: PROJECT_DIR, env: dockerEnv(env), encoding: 'utf8', timeout: 60_000 });
}

const composeAvailable = dockerCompose(['version'], {}).status === 0;

function readWithDockerCompose(env: Record<string, string>): Model {
  // --env-file /dev/null: a developer's .env must not change what the test sees.
  const result = dockerCompose(['-f', 'docker-compose.yml', '--env-file', '/dev/null', 'config', '--format', 'json'], env);
  assert.equal(result.status, 0, `docker compose config failed:\n${result.stderr}`);
  return modelOf(JSON.parse(result.stdout));
}

// --- the checks: each returns the problems it finds ------------------------------------------------

const service = (model: Model, name: string): Service => {
  const found = model[name];
  if (!found) throw new Error(`no service ${name}`);
  return found;
};

function missingServices(model: Model): string[] {
  return EXPECTED_SERVICES.filter((name) => !(name in model)).map((name) => `service ${name} is missing`);
}

function missingConnections(model: Model): string[] {
  const problems: string[] = [];
  for (const name of APP_SERVICES) {
    const env = service(model, name).environment;
    for (const key of REQUIRED_CONNECTIONS) if (!env[key]) problems.push(`${name}: ${key} is not set`);
  }
  return problems;
}

/** Every host the app connects to is a service of this file (a renamed service would leave the app dialing nowhere). */
function danglingHosts(model: Model): string[] {
  const problems: string[] = [];
  for (const name of APP_SERVICES) {
    const env = service(model, name).environment;
    const hosts = [
      ['DATABASE_URL', env['DATABASE_URL'] ? new URL(env['DATABASE_URL']).hostname : undefined],
      ['SMTP_URL', env['SMTP_URL'] ? new URL(env['SMTP_URL']).hostname : undefined],
      ['TEMPORAL_ADDRESS', env['TEMPORAL_ADDRESS']?.split(':')[0]],
    ] as const;
    for (const [key, host] of hosts) if (host && !(host in model)) problems.push(`${name}: ${key} points at ${host}, which is no service`);
  }
  return problems;
}

/** Every env var given to dsrflow is one that src/platform/config.ts reads, and the whole set parses. */
function unknownOrInvalidSettings(model: Model): string[] {
  const known = new Set(Object.keys(configSchema.shape));
  const problems: string[] = [];
  for (const name of APP_SERVICES) {
    const env = service(model, name).environment;
    // NODE_OPTIONS is read by Node itself (the worker's heap limit, docs/operations.md "Sizing a worker").
    for (const key of Object.keys(env)) if (!known.has(key) && key !== 'NODE_OPTIONS') problems.push(`${name}: ${key} is not a setting dsrflow reads`);
    try {
      loadConfig(Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'NODE_OPTIONS').map(([k, v]) => [k, v ?? undefined])));
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** `--name X --type Y` of every `temporal operator search-attribute create` in the setup service. */
function registeredSearchAttributes(model: Model): { name: string; type: string; namespace: string | undefined; address: string | undefined }[] {
  const script = service(model, SETUP_SERVICE).script;
  const registered = [];
  for (const [command] of script.matchAll(/temporal\s+operator\s+search-attribute\s+create\b(?:[^\n\\]|\\\n)*/g)) {
    const namespace = /--namespace[\s=]+(\S+)/.exec(command)?.[1];
    const address = /--address[\s=]+(\S+)/.exec(command)?.[1];
    for (const [, name, type] of command.matchAll(/--name[\s=]+(\S+)\s+--type[\s=]+(\S+)/g)) {
      // The CLI spells types Keyword, Datetime, KeywordList; the SDK KEYWORD, DATETIME, KEYWORD_LIST.
      registered.push({ name: name!, type: type!.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(), namespace, address });
    }
  }
  return registered;
}

function searchAttributeMismatches(model: Model): string[] {
  const registered = registeredSearchAttributes(model);
  const expected = SEARCH_ATTRIBUTES.map((key) => `${key.name}:${key.type}`).sort();
  const actual = registered.map((sa) => `${sa.name}:${sa.type}`).sort();
  const problems: string[] = [];
  for (const sa of expected) if (!actual.includes(sa)) problems.push(`search attribute ${sa} is not registered by ${SETUP_SERVICE}`);
  for (const sa of actual) if (!expected.includes(sa)) problems.push(`${SETUP_SERVICE} registers ${sa}, which src/workflows/search-attributes.ts does not define`);
  if (new Set(actual).size !== actual.length) problems.push(`${SETUP_SERVICE} registers a search attribute twice`);
  // They must land where the app looks: its namespace, on its Temporal.
  for (const name of LONG_RUNNING) {
    const env = service(model, name).environment;
    const namespace = env['TEMPORAL_NAMESPACE'] ?? configSchema.shape.TEMPORAL_NAMESPACE.parse(undefined);
    for (const sa of registered) {
      if (sa.namespace !== namespace) problems.push(`${sa.name} is registered in namespace ${sa.namespace}, ${name} uses ${namespace}`);
      if (sa.address !== env['TEMPORAL_ADDRESS']) problems.push(`${sa.name} is registered on ${sa.address}, ${name} uses ${env['TEMPORAL_ADDRESS']}`);
    }
  }
  return problems;
}

/** The worker and API start only once migrations ran and the search attributes exist. */
function ungatedStarts(model: Model): string[] {
  const problems: string[] = [];
  for (const name of LONG_RUNNING) {
    const deps = service(model, name).dependsOn;
    for (const oneShot of [SETUP_SERVICE, 'dsrflow-migrate']) {
      if (deps[oneShot] !== 'service_completed_successfully') problems.push(`${name} does not wait for ${oneShot} to complete successfully`);
    }
  }
  return problems;
}

/** Every image names a specific version: a tag with at least major.minor, never `latest`, or a digest. */
function unpinnedImages(model: Model): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(model)) {
    if (!svc.image) {
      problems.push(`${name}: no image`);
      continue;
    }
    if (/@sha256:[0-9a-f]{64}$/.test(svc.image)) continue;
    const lastSegment = svc.image.slice(svc.image.lastIndexOf('/') + 1);
    const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.lastIndexOf(':') + 1) : undefined;
    if (!tag) problems.push(`${name}: image ${svc.image} has no tag (that is latest)`);
    else if (tag === 'latest') problems.push(`${name}: image ${svc.image} uses latest`);
    else if (!/\d+\.\d+/.test(tag)) problems.push(`${name}: image ${svc.image} is not pinned to a specific version`);
  }
  return problems;
}

/** Temporal's images are the versions `npm run start:cluster` builds from source (src/platform/cluster-toolchain.ts). */
function temporalVersionMismatches(model: Model): string[] {
  const server = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
  const expected: Record<string, string> = {
    temporal: `temporalio/server:${server}`,
    'temporal-schema': `temporalio/admin-tools:${server}`,
    [SETUP_SERVICE]: `temporalio/admin-tools:${server}`,
    'temporal-ui': `temporalio/ui:${TEMPORAL_UI_VERSION.replace(/^v/, '')}`,
  };
  return Object.entries(expected)
    .filter(([name, image]) => model[name]?.image !== image)
    .map(([name, image]) => `${name}: image ${model[name]?.image ?? '(none)'}, npm run start:cluster runs ${image}`);
}

function publicPorts(model: Model): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(model)) {
    for (const port of svc.ports) {
      if (port.hostIp !== '127.0.0.1') problems.push(`${name}: port ${port.target} is published on ${port.hostIp ?? 'every interface'}`);
    }
  }
  return problems;
}

const CHECKS = {
  'every expected service exists': missingServices,
  'every app service gets DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL': missingConnections,
  'the app connects to services of this file': danglingHosts,
  'every env var of an app service is a setting of configSchema, and they parse': unknownOrInvalidSettings,
  'the setup service registers exactly the search attributes of src/workflows/search-attributes.ts': searchAttributeMismatches,
  'worker and API wait for migrations and search attributes': ungatedStarts,
  'every image is pinned to a version, none is latest': unpinnedImages,
  'Temporal server, admin tools and UI are the versions the cluster stack builds': temporalVersionMismatches,
  'published ports bind to 127.0.0.1': publicPorts,
} satisfies Record<string, (model: Model) => string[]>;

function runChecks(read: () => Model): void {
  let model: Model | undefined;
  const get = () => (model ??= read());
  for (const [title, check] of Object.entries(CHECKS)) {
    test(title, () => assert.deepEqual(check(get()), []));
  }
  test('the API gets the owner token and listens on every interface of its container', () => {
    const env = service(get(), 'dsrflow-api').environment;
    assert.equal(env['DSRFLOW_OWNER_TOKEN'], OWNER_TOKEN);
    assert.equal(env['HOST'], '0.0.0.0');
    assert.equal(env['NODE_ENV'], 'production');
  });
}

// --- the tests ----------------------------------------------------------------------------------------

describe('docker-compose.yml read by docker compose config', { skip: composeAvailable ? false : 'docker compose is not installed here' }, () => {
  runChecks(() => readWithDockerCompose(COMPOSE_ENV));

  test('refuses to start without DSRFLOW_OWNER_TOKEN', () => {
    const result = dockerCompose(['-f', 'docker-compose.yml', '--env-file', '/dev/null', 'config', '--format', 'json'], {});
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /DSRFLOW_OWNER_TOKEN/);
  });
});

describe('docker-compose.yml read as YAML with compose interpolation', () => {
  runChecks(() => readWithYaml(COMPOSE_ENV));

  test('refuses to start without DSRFLOW_OWNER_TOKEN', () => {
    assert.throws(() => readWithYaml({}), /required variable DSRFLOW_OWNER_TOKEN is missing a value/);
  });

  test('reads the same as docker compose config', { skip: composeAvailable ? false : 'docker compose is not installed here' }, () => {
    assert.deepEqual(readWithYaml(COMPOSE_ENV), readWithDockerCompose(COMPOSE_ENV));
  });
});

describe('the checks catch the mistakes they are there for', () => {
  const fresh = (): Model => structuredClone(readWithYaml(COMPOSE_ENV));
  const problems = (check: (model: Model) => string[], change: (model: Model) => void): string[] => {
    const model = fresh();
    change(model);
    return check(model);
  };

  test('a Temporal server older than the one the cluster stack builds', () => {
    assert.deepEqual(problems(temporalVersionMismatches, (m) => (service(m, 'temporal').image = 'temporalio/server:1.29.1')), [
      `temporal: image temporalio/server:1.29.1, npm run start:cluster runs temporalio/server:${TEMPORAL_SERVER_VERSION.slice(1)}`,
    ]);
  });

  test('a missing service', () => {
    assert.deepEqual(problems(missingServices, (m) => delete m['mailcatcher']), ['service mailcatcher is missing']);
  });

  test('a worker without SMTP_URL', () => {
    assert.deepEqual(problems(missingConnections, (m) => delete service(m, 'dsrflow-worker').environment['SMTP_URL']), ['dsrflow-worker: SMTP_URL is not set']);
  });

  test('a typo in an env var name', () => {
    const found = problems(unknownOrInvalidSettings, (m) => {
      const env = service(m, 'dsrflow-api').environment;
      env['TEMPORAL_NAMESPCE'] = 'default';
    });
    assert.deepEqual(found, ['dsrflow-api: TEMPORAL_NAMESPCE is not a setting dsrflow reads']);
  });

  test('a value the app would refuse', () => {
    const found = problems(unknownOrInvalidSettings, (m) => (service(m, 'dsrflow-api').environment['DSRFLOW_OWNER_TOKEN'] = 'too-short'));
    assert.equal(found.length, 1);
    assert.match(found[0]!, /^dsrflow-api: Invalid configuration:[\s\S]*DSRFLOW_OWNER_TOKEN/);
  });

  test('an SMTP host that is no service', () => {
    const found = problems(danglingHosts, (m) => (service(m, 'dsrflow-worker').environment['SMTP_URL'] = 'smtp://mailhog:1025'));
    assert.deepEqual(found, ['dsrflow-worker: SMTP_URL points at mailhog, which is no service']);
  });

  test('a search attribute left out, or of the wrong type', () => {
    const dropped = problems(searchAttributeMismatches, (m) => {
      const setup = service(m, SETUP_SERVICE);
      setup.script = setup.script.replace(/temporal operator search-attribute create [^\n]*--name DsrExtended --type Bool\n/, '');
    });
    assert.deepEqual(dropped, ['search attribute DsrExtended:BOOL is not registered by temporal-setup']);
    const retyped = problems(searchAttributeMismatches, (m) => {
      const setup = service(m, SETUP_SERVICE);
      setup.script = setup.script.replace('--name DsrDueAt --type Datetime', '--name DsrDueAt --type Keyword');
    });
    assert.deepEqual(retyped, [
      'search attribute DsrDueAt:DATETIME is not registered by temporal-setup',
      'temporal-setup registers DsrDueAt:KEYWORD, which src/workflows/search-attributes.ts does not define',
    ]);
  });

  test('search attributes registered in another namespace', () => {
    const found = problems(searchAttributeMismatches, (m) => (service(m, 'dsrflow-worker').environment['TEMPORAL_NAMESPACE'] = 'production'));
    assert.equal(found.length, SEARCH_ATTRIBUTES.length);
    assert.match(found[0]!, /is registered in namespace default, dsrflow-worker uses production$/);
  });

  test('a worker that does not wait for the search attributes', () => {
    const found = problems(ungatedStarts, (m) => (service(m, 'dsrflow-worker').dependsOn[SETUP_SERVICE] = 'service_started'));
    assert.deepEqual(found, ['dsrflow-worker does not wait for temporal-setup to complete successfully']);
  });

  test('latest, untagged and vague images', () => {
    const found = problems(unpinnedImages, (m) => {
      service(m, 'temporal-ui').image = 'temporalio/ui:latest';
      service(m, 'mailcatcher').image = 'axllent/mailpit';
      service(m, 'postgresql').image = 'postgres:16';
      service(m, 'temporal').image = 'localhost:5000/temporalio/auto-setup';
    });
    assert.deepEqual(found.sort(), [
      'mailcatcher: image axllent/mailpit has no tag (that is latest)',
      'postgresql: image postgres:16 is not pinned to a specific version',
      'temporal-ui: image temporalio/ui:latest uses latest',
      'temporal: image localhost:5000/temporalio/auto-setup has no tag (that is latest)',
    ]);
  });

  test('ports published on every interface', () => {
    const found = problems(publicPorts, (m) => {
      service(m, 'dsrflow-api').ports = [portOf('3000:3000')];
      service(m, 'temporal-ui').ports = [portOf('0.0.0.0:8233:8080')];
      service(m, 'mailcatcher').ports = [portOf(8025)];
    });
    assert.deepEqual(found, [
      'temporal-ui: port 8080 is published on 0.0.0.0',
      'mailcatcher: port 8025 is published on every interface',
      'dsrflow-api: port 3000 is published on every interface',
    ]);
  });

  test('interpolation follows compose', () => {
    const env = { SET: 'value', EMPTY: '' };
    assert.equal(interpolate('${SET} $SET ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $$HOME', env), 'value value d d  d $$HOME');
    assert.throws(() => interpolate('${EMPTY:?needed}', env, 'x'), /x: required variable EMPTY is missing a value: needed/);
    assert.equal(interpolate('${EMPTY?needed}', env), '');
  });
});
