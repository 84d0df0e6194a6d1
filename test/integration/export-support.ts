// Shared by the export tests: a fresh warehouse of its own, a request for a chosen warehouse user, readers.
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sql, type DatabasePool } from 'slonik';
import yauzl from 'yauzl';
import { z } from 'zod';
import { createExportActivities, type ExportDeps } from '../../src/activities/export/index.ts';
import type { ExportFormat } from '../../src/domain/data-model.ts';
import type { RegulationCode } from '../../src/domain/regulations.ts';
import { loadDataModelFile } from '../../src/warehouse/data-model-check.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createDatabasePool } from '../../src/db/pool.ts';
import { insertRequest } from '../../src/db/requests.ts';
import { seedDemoWarehouse } from '../../src/db/seed.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { sealedFileStore } from '../../src/platform/sealed-files.ts';
import { localFolderStorage } from '../../src/platform/storage.ts';
import { workflowIdFor } from '../../src/workflow-client/starts.ts';
import { freshDatabase } from '../support/databases.ts';
import { testKeyRing } from '../support/app.ts';
import { mailCatcher } from '../support/stack.ts';

/** A fresh, migrated database seeded with a small demo warehouse, so counts are known. */
export async function exportDatabase(name: string): Promise<DatabasePool> {
  const pool = await freshDatabase(name, { maximumPoolSize: 4 });
  await ensureOrganization(pool, 'default');
  await seedDemoWarehouse(pool, { users: 40 });
  return pool;
}

/** Every warehouse row as JSON, one digest per table: "nothing changed" means equal digests. */
export async function warehouseDigest(pool: DatabasePool): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of ['users', 'orders', 'order_items', 'transactions', 'events', 'campaign_interactions']) {
    out[table] = await pool.oneFirst(sql.type(z.object({ d: z.string() }))`
      select md5(coalesce(string_agg(to_jsonb(t)::text, ',' order by t.id), '')) as d from ${sql.identifier(['warehouse', table])} t`);
  }
  return out;
}

export async function exportHarness(pool: DatabasePool, opts: Pick<ExportDeps, 'rowLimits' | 'defaultFormats'> = {}) {
  const catcher = await mailCatcher();
  const mailer = createMailer(catcher.smtpUrl, 'dsrflow <privacy@dsrflow.localhost>');
  const storageDir = mkdtempSync(join(tmpdir(), 'dsrflow-exports-'));
  const storage = localFolderStorage(storageDir);
  const activities = createExportActivities({
    pool,
    mailer,
    storage,
    keyRing: testKeyRing,
    logger: createLogger('silent'),
    publicUrl: 'http://dsrflow.test',
    dataModel: await loadDataModelFile(),
    ...opts,
  });
  const files = sealedFileStore(storage, testKeyRing);
  /** The export's file as the subject downloads it (decrypted), copied to a path for the parsers that read files. */
  async function plaintextPath(exportId: string): Promise<string> {
    const stored = await pool.one(sql.type(z.object({ storage_key: z.string(), data_key: z.string().nullable() }))`
      select storage_key, encode(data_key, 'base64') as data_key from dsrflow.exports where id = ${exportId}`);
    const path = join(storageDir, `plain-${exportId}`);
    await pipeline(files.read(stored.storage_key, stored.data_key === null ? null : Buffer.from(stored.data_key, 'base64')), createWriteStream(path));
    return path;
  }
  return { catcher, mailer, storage, storageDir, activities, plaintextPath };
}

/** Records a request (access unless said) as the API would, for the given identifiers (and export formats, if given). */
export async function requestFor(pool: DatabasePool, subject: { email: string; customerId?: string }, type: 'access' | 'erasure' = 'access', exportFormats?: ExportFormat[], regulation: RegulationCode = 'GDPR', locale?: string) {
  const id = randomUUID();
  const now = new Date().toISOString();
  await insertRequest(pool, {
    id,
    organizationId: 'default',
    type,
    regulation,
    channel: 'api',
    receivedAt: now,
    dueAt: now,
    acknowledgeBy: null,
    workflowId: workflowIdFor(id),
    idempotencyKey: null,
    fingerprint: 'test',
    createdBy: 'test',
    subject,
    exportFormats,
    locale,
  });
  return id;
}

/**
 * Awkward values for user 15 beyond the seed's: a newline, comma, quotes and CJK in one value, an empty string
 * (not NULL), NULLs, text that looks like markup and entities, a two-hop transaction and order item.
 */
export async function addAwkwardRows(pool: DatabasePool, userId: number) {
  const orderId = await pool.oneFirst(sql.type(z.object({ id: z.coerce.number() }))`
    insert into warehouse.orders (user_id, placed_at, status, currency, total, shipping_address)
    values (${userId}, '2024-02-29 23:59:59.123456+00', 'paid', 'EUR', 10.50, ${'Flat 2, "Le Château"\n王府井大街 1号'}) returning id`);
  await pool.query(sql.unsafe`insert into warehouse.order_items (order_id, sku, product_name, quantity, unit_price) values (${orderId}, '', ${'Crème brûlée, "x"'}, 2, 5.25)`);
  // Text that looks like markup or an entity must come back as written, not as what it would mean.
  await pool.query(sql.unsafe`insert into warehouse.order_items (order_id, sku, product_name, quantity, unit_price) values (${orderId}, 'AT&T', ${'AT&amp;T <b>bold</b> ]]> &#65;'}, 1, 1)`);
  await pool.query(sql.unsafe`insert into warehouse.transactions (order_id, occurred_at, kind, amount, currency, card_last4) values (${orderId}, now(), 'payment', 10.50, 'EUR', null)`);
  await pool.query(sql.unsafe`insert into warehouse.orders (user_id, placed_at, status, currency, total, shipping_address) values (${userId}, now(), 'paid', 'EUR', 0, null)`);
  await pool.query(sql.unsafe`insert into warehouse.events (user_id, occurred_at, name, ip_address, properties) values (${userId}, now(), 'login', null, ${sql.jsonb({ note: 'Ølst, "ok"\nnext', n: 1.5, nested: { a: [1, null] } })})`);
}

const jsonRow = z.object({ r: z.record(z.string(), z.unknown()) });

/** Where each model's rows are, written out by hand (not from the data model under test). */
const SOURCES = (id: number) => ({
  users: sql.fragment`warehouse.users t where t.id = ${id}`,
  orders: sql.fragment`warehouse.orders t where t.user_id = ${id}`,
  order_items: sql.fragment`warehouse.order_items t join warehouse.orders o on o.id = t.order_id where o.user_id = ${id}`,
  transactions: sql.fragment`warehouse.transactions t join warehouse.orders o on o.id = t.order_id where o.user_id = ${id}`,
  events: sql.fragment`warehouse.events t where t.user_id = ${id}`,
  campaign_interactions: sql.fragment`warehouse.campaign_interactions t where t.user_id = ${id}`,
});

export type Expected = Record<string, Array<Record<string, unknown>>>;

/** What the database holds for the user, per model, as JSON objects (an independent reading: to_jsonb), computed columns left out. */
export async function expectedRows(pool: DatabasePool, userId: number): Promise<Expected> {
  const out: Expected = {};
  for (const [model, source] of Object.entries(SOURCES(userId))) {
    const rows = await pool.any(sql.type(jsonRow)`select to_jsonb(t) as r from ${source} order by t.id`);
    out[model] = rows.map(({ r }) => {
      const { lifetime_value: _ltv, churn_score: _churn, ...rest } = r;
      return model === 'users' ? rest : r;
    });
  }
  return out;
}

/** Compares one database value (from to_jsonb) with its exported text. NULL exports as `nullAs`. */
export function sameValue(db: unknown, exported: string | null | undefined, nullAs: string | null = null): boolean {
  if (db === null) return exported === nullAs || exported === undefined;
  if (exported === null || exported === undefined) return false;
  if (typeof db === 'number') return Number(exported) === db;
  if (typeof db === 'boolean') return ['t', 'true'].includes(exported) === db;
  if (typeof db === 'object') {
    try {
      return JSON.stringify(sortKeys(JSON.parse(exported))) === JSON.stringify(sortKeys(db));
    } catch {
      return false;
    }
  }
  if (typeof db === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(db)) return new Date(exported).getTime() === new Date(db).getTime();
  return exported === db;
}

const sortKeys = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)])) : v;

/** Every entry of a zip file, as buffers (yauzl: an unzip library independent of the one that wrote it). */
export function unzip(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const files = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(files));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
