// Helpers for the staff-API tests: an app with webhook sources and a rate limit, named tokens, requests recorded
// directly (their workflow marked started, so nothing in Temporal and no worker ever picks them up).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { createApp } from '../../src/api/app.ts';
import type { RateLimitSettings } from '../../src/api/rate-limit.ts';
import { insertRequest, markWorkflowStarted } from '../../src/db/requests.ts';
import { ensureOrganization, generateToken, upsertToken, type Role } from '../../src/db/tokens.ts';
import { computeDeadlines } from '../support/deadlines.ts';
import type { RegulationCode } from '../../src/domain/regulations.ts';
import type { RequestType } from '../../src/domain/request.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { demoDataModel, TEST_SUBJECT_KEYS, testKeyRing, testStorage, testWorkflowSettings, TASK_QUEUE } from '../support/app.ts';

export const WEBHOOK_SECRET = 'helpdesk-secret-0123456789abcdef';

export function staffApp(opts: { pool: DatabasePool; client: Client; publicRateLimit?: RateLimitSettings; maxBodyBytes?: number; now?: () => Date; publicUrl?: string; trustProxy?: boolean }) {
  return createApp({
    pool: opts.pool,
    warehouseLookups: opts.pool,
    temporal: { client: opts.client, namespace: opts.client.options.namespace, uiUrl: 'http://localhost:8233' },
    workflows: testWorkflowSettings(TASK_QUEUE),
    settings: {
      defaultOrganization: 'default',
      subjectKeys: TEST_SUBJECT_KEYS,
      webhookSources: { helpdesk: WEBHOOK_SECRET, crm: 'crm-secret-0123456789abcdef0123' },
      publicRateLimit: opts.publicRateLimit ?? { limit: 10_000, windowMs: 60_000 },
      ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
      ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
      ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
    },
    logger: createLogger('silent'),
    keyRing: testKeyRing,
    now: opts.now ?? (() => new Date()),
    storage: testStorage,
    dataModel: demoDataModel,
  });
}

/** A fresh named token: its headers and its name (the actor the audit trail records). */
export async function namedToken(pool: DatabasePool, role: Role, organizationId: string | null = null) {
  if (organizationId) await ensureOrganization(pool, organizationId);
  const token = generateToken();
  const name = `t-${role}-${randomUUID().slice(0, 8)}`;
  await upsertToken(pool, { name, role, organizationId, token });
  return { name, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
}

export async function recordRequest(
  pool: DatabasePool,
  r: { organizationId: string; type?: RequestType; regulation?: RegulationCode; receivedAt?: Date },
): Promise<string> {
  await ensureOrganization(pool, r.organizationId);
  const id = randomUUID();
  const receivedAt = r.receivedAt ?? new Date();
  const type = r.type ?? 'access';
  const regulation = r.regulation ?? 'GDPR';
  const d = computeDeadlines({ regulation, type, receivedAt });
  await insertRequest(pool, {
    id,
    organizationId: r.organizationId,
    type,
    regulation,
    channel: 'api',
    receivedAt: receivedAt.toISOString(),
    dueAt: d.dueAt.toISOString(),
    acknowledgeBy: d.acknowledgeBy?.toISOString() ?? null,
    workflowId: `dsr-${id}`,
    idempotencyKey: null,
    fingerprint: 'test',
    createdBy: 'test',
    subject: { email: 'subject@example.com' },
  });
  await markWorkflowStarted(pool, id);
  return id;
}

export const counts = (pool: DatabasePool) =>
  pool.one(sql.type(z.object({ requests: z.number(), events: z.number() }))`
    select (select count(*)::int from dsrflow.requests) as requests, (select count(*)::int from dsrflow.audit_events) as events`);

export const uniqueOrg = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
