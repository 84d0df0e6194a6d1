import { randomUUID } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import { computeDeadlines, withCalendar } from './deadlines.ts';
import type { ExportFormat } from '../../src/domain/data-model.ts';
import type { RegulationCode } from '../../src/domain/regulations.ts';
import type { RequestType } from '../../src/domain/request.ts';
import { insertRequest } from '../../src/db/requests.ts';
import { workflowIdFor } from '../../src/workflow-client/starts.ts';

/** Records a request as the API would, with a subject whose identifiers are unique to the test. */
export async function recordRequest(pool: DatabasePool, opts: { type?: RequestType; regulation?: RegulationCode; receivedAt?: Date; exportFormats?: ExportFormat[]; organizationId?: string; fullName?: string; withoutCalendar?: boolean } = {}) {
  const id = randomUUID();
  const type = opts.type ?? 'access';
  const regulation = opts.regulation ?? 'GDPR';
  const receivedAt = opts.receivedAt ?? new Date();
  const deadlines = computeDeadlines({ regulation, type, receivedAt });
  // Intake stores the calendar with the request; `withoutCalendar` records one as before migration 023.
  const holidayCalendar = opts.withoutCalendar ? undefined : withCalendar({ regulation, type, receivedAt }).calendar;
  const subject = { email: `subject-${id.slice(0, 8)}@example.com`, fullName: opts.fullName ?? `Zoë O'Brien-${id.slice(0, 4)}`, customerId: `cus_${id.slice(0, 6)}` };
  const { row } = await insertRequest(pool, {
    id,
    organizationId: opts.organizationId ?? 'default',
    type,
    regulation,
    channel: 'api',
    receivedAt: receivedAt.toISOString(),
    dueAt: deadlines.dueAt.toISOString(),
    acknowledgeBy: deadlines.acknowledgeBy?.toISOString() ?? null,
    workflowId: workflowIdFor(id),
    idempotencyKey: null,
    fingerprint: 'test',
    createdBy: 'test',
    subject,
    exportFormats: opts.exportFormats,
    holidayCalendar,
  });
  return { row, subject, deadlines };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
