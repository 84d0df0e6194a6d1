import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { describe, test } from 'node:test';

// The layout of README.md ("Layout"), checked on the imports themselves: which folder of src/ may import which,
// and no import cycles. A small regex over the sources is enough: every import in src/ is a static string.

interface Import {
  from: string;
  /** A path under src/ for a relative import, else the package or node: module. */
  to: string;
  /** `import type` / `export type`: erased at run time. */
  typeOnly: boolean;
}

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

export function importsOf(file: string, source: string): Import[] {
  return [...source.matchAll(IMPORT)].map((m) => {
    const spec = (m[2] ?? m[3])!;
    return { from: file, to: spec.startsWith('.') ? posix.join(posix.dirname(file), spec) : spec, typeOnly: m[1] !== undefined };
  });
}

/** The folder of src/ a file belongs to; the entry points src/worker.ts and src/server.ts are 'entry'. */
const part = (path: string) => (/^src\/[^/]+\.ts$/.test(path) ? 'entry' : (path.match(/^src\/([^/]+)\//)?.[1] ?? 'outside'));

// Who may import whom (besides itself). The composition root (main) stands above the rest; nothing but the entry
// points imports it. src/warehouse is the one place that reads and writes the customer's warehouse, shared by the
// API and the activities, which never import each other.
const MAY_IMPORT: Record<string, readonly string[]> = {
  domain: [],
  // What a data subject reads, in their language: shared by the API's pages and the activities' emails.
  locales: ['domain'],
  platform: ['domain'],
  db: ['domain', 'platform'],
  warehouse: ['domain', 'db', 'platform'],
  workflows: ['domain'],
  'workflow-client': ['workflows', 'domain', 'db', 'platform'],
  activities: ['warehouse', 'workflow-client', 'db', 'domain', 'platform', 'locales'],
  api: ['warehouse', 'workflow-client', 'workflows', 'db', 'domain', 'platform', 'locales'],
  main: ['api', 'activities', 'warehouse', 'workflow-client', 'workflows', 'db', 'domain', 'platform', 'locales'],
  entry: ['main'],
};

// Workflow code is deterministic: besides its own files and src/domain, the Temporal workflow packages only. Activity
// types are how a workflow calls activities (proxyActivities<Activities>); the bundle drops them.
const WORKFLOW_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];
const isActivityTypeForWorkflow = (i: Import) => i.typeOnly && part(i.from) === 'workflows' && part(i.to) === 'activities';

export function layoutProblems(imports: readonly Import[]): string[] {
  const problems: string[] = [];
  for (const i of imports) {
    const [from, to] = [part(i.from), part(i.to)];
    if (!i.to.startsWith('src/')) {
      if (from === 'workflows' && !WORKFLOW_PACKAGES.includes(i.to)) problems.push(`${i.from} imports ${i.to}: workflow code imports only ${WORKFLOW_PACKAGES.join(', ')}, src/domain and its own files`);
      if (from === 'domain' && i.to.startsWith('node:')) problems.push(`${i.from} imports ${i.to}: src/domain does no I/O`);
      // The records and the warehouse serve the API as much as the activities: Temporal's error types stay out of them.
      if (['domain', 'db', 'warehouse'].includes(from) && i.to.startsWith('@temporalio/')) problems.push(`${i.from} imports ${i.to}: src/${from} knows nothing of Temporal (throw a DomainError; the activity maps it)`);
      continue;
    }
    if (from === to || isActivityTypeForWorkflow(i)) continue;
    if (!(MAY_IMPORT[from] ?? []).includes(to)) problems.push(`${i.from} imports ${i.to}: ${from === 'entry' ? 'an entry point' : `src/${from}`} may import ${(MAY_IMPORT[from] ?? []).map((p) => `src/${p}`).join(', ') || 'nothing outside itself'}`);
  }
  return problems;
}

/** Every import cycle (type imports included, but for a workflow's activity types), each as a path a -> b -> a. */
export function importCycles(imports: readonly Import[]): string[] {
  const edges = new Map<string, string[]>();
  for (const i of imports) {
    if (!i.to.startsWith('src/') || isActivityTypeForWorkflow(i)) continue;
    edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
  }
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...edges.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

/**
 * SQL that would leave state on a pooled connection (src/db/pool.ts resets none on release): a session-level SET,
 * set_config(..., false), a session advisory lock, LISTEN, PREPARE, a temporary table.
 */
export function sessionStateProblems(file: string, source: string): string[] {
  const patterns: Array<[RegExp, string]> = [
    [/(?:[`'";]|\bbegin\b[^`'";]*;)\s*set\s+(?!local\b)(?:session\s+)?[a-z_.]+\s*(?:=|\bto\b)/gi, 'a session-level SET'],
    [/set_config\s*\([^)]*,\s*false\s*\)/gi, 'set_config(..., false)'],
    [/pg_advisory_lock(?:_shared)?\s*\(/gi, 'a session advisory lock'],
    [/[`'";]\s*(?:listen|prepare)\s+[a-z_]/gi, 'LISTEN or PREPARE'],
    [/create\s+(?:temp|temporary)\s+table/gi, 'a temporary table'],
  ];
  return patterns.flatMap(([pattern, what]) => [...source.matchAll(pattern)].map(() => `${file}: ${what}`));
}

function sourceFiles(): Array<{ path: string; source: string }> {
  const root = join(dirname(new URL(import.meta.url).pathname), '../..');
  return readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ path: `src/${f.split('\\').join('/')}`, source: readFileSync(join(root, 'src', f), 'utf8') }));
}

function sourceImports(): Import[] {
  const root = join(dirname(new URL(import.meta.url).pathname), '../..');
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  return files.flatMap((f) => {
    const path = relative(root, join(root, 'src', f)).split('\\').join('/');
    return importsOf(path, readFileSync(join(root, path), 'utf8'));
  });
}

describe('pooled connections carry no session state', () => {
  test('no SQL in src/ leaves state on a connection', () => {
    assert.deepEqual(sourceFiles().flatMap((f) => sessionStateProblems(f.path, f.source)), []);
  });

  test('names a session SET, set_config(..., false), a session lock, LISTEN and a temporary table, not SET LOCAL or UPDATE ... SET', () => {
    const found = (sql: string) => sessionStateProblems('x.ts', sql);
    assert.deepEqual(found('sql.unsafe`set statement_timeout = 0`'), ['x.ts: a session-level SET']);
    assert.deepEqual(found("query('begin; set search_path to x')"), ['x.ts: a session-level SET']);
    assert.deepEqual(found("select set_config('statement_timeout', '5s', false)"), ['x.ts: set_config(..., false)']);
    assert.deepEqual(found('select pg_advisory_lock(42)'), ['x.ts: a session advisory lock']);
    assert.deepEqual(found('sql.unsafe`listen deletion_requests`'), ['x.ts: LISTEN or PREPARE']);
    assert.deepEqual(found('create temp table t (x int)'), ['x.ts: a temporary table']);
    assert.deepEqual(found("sql.unsafe`set local statement_timeout = 0`; select set_config('x', '1', true); select pg_advisory_xact_lock(1); update t set locale = 'de'"), []);
  });
});

describe('the layout of src/', () => {
  const imports = sourceImports();

  test('reads the imports of src/', () => {
    assert.ok(imports.some((i) => i.from === 'src/main/processes.ts' && i.to === 'src/api/app.ts' && !i.typeOnly), 'a value import');
    assert.ok(imports.some((i) => i.from === 'src/workflows/sweep.ts' && i.to === 'src/activities/index.ts' && i.typeOnly), 'a type import');
    assert.ok(imports.some((i) => i.from === 'src/worker.ts' && i.to === 'src/main/processes.ts'), 'the worker entry point');
  });

  test('each folder imports only the folders below it: the API and the activities share src/warehouse, never each other', () => {
    assert.deepEqual(layoutProblems(imports), []);
  });

  test('no import cycles', () => {
    assert.deepEqual(importCycles(imports), []);
  });
});

describe('the layout check itself', () => {
  const planted = [
    importsOf('src/api/requests/x.ts', "import { collect } from '../../activities/export/index.ts';"),
    importsOf('src/activities/y.ts', "import type { AppDeps } from '../api/deps.ts';"),
    importsOf('src/workflows/z.ts', "import { readFile } from 'node:fs/promises';\nimport { sleep } from '@temporalio/workflow';"),
    importsOf('src/platform/w.ts', "export { createApp } from '../api/app.ts';"),
    importsOf('src/warehouse/v.ts', "import { ApplicationFailure } from '@temporalio/activity';"),
    importsOf('src/a/one.ts', "import {\n  two,\n} from './two.ts';"),
    importsOf('src/a/two.ts', "const one = await import('./one.ts');"),
  ].flat();

  test('names an API import of an activity, the reverse, a workflow import of node:fs, a platform import of the API and Temporal in the warehouse', () => {
    assert.deepEqual(layoutProblems(planted).map((p) => p.split(': ')[0]), [
      'src/api/requests/x.ts imports src/activities/export/index.ts',
      'src/activities/y.ts imports src/api/deps.ts',
      'src/workflows/z.ts imports node:fs/promises',
      'src/platform/w.ts imports src/api/app.ts',
      'src/warehouse/v.ts imports @temporalio/activity',
    ]);
  });

  test('finds a cycle through a multi-line import and a dynamic import', () => {
    assert.deepEqual(importCycles(planted), ['src/a/one.ts -> src/a/two.ts -> src/a/one.ts']);
  });
});
