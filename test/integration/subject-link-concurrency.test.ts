import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import { sql } from 'slonik';
import { z } from 'zod';
import { insertRequest, type NewRequest } from '../../src/db/requests.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { normalizeIdentifier } from '../../src/domain/subjects.ts';
import { identifierHashes, subjectIdFor } from '../../src/platform/subject-keys.ts';
import { TEST_SUBJECT_KEYS } from '../support/app.ts';
import { eventually } from '../support/requests.ts';
import { postgres } from '../support/stack.ts';

// Intake links requests of different people side by side (no lock per organization): these prove that two requests
// of one person still see each other when they are recorded at the same moment.
const org = `link-race-${randomUUID().slice(0, 8)}`;
before(async () => ensureOrganization((await postgres()).pool, org));

const request = (subject: { email: string; customerId?: string }): NewRequest => {
  const id = randomUUID();
  const at = new Date().toISOString();
  return {
    id,
    organizationId: org,
    type: 'access',
    regulation: 'GDPR',
    channel: 'api',
    receivedAt: at,
    dueAt: at,
    acknowledgeBy: null,
    workflowId: `dsr-${id}`,
    idempotencyKey: null,
    fingerprint: 'race',
    createdBy: 'test',
    subject,
    subjectLink: {
      newSubjectId: subjectIdFor(TEST_SUBJECT_KEYS, org, normalizeIdentifier('email', subject.email)!),
      hashes: { email: identifierHashes(TEST_SUBJECT_KEYS, 'email', subject.email), customerId: identifierHashes(TEST_SUBJECT_KEYS, 'customerId', subject.customerId) },
      warehouseAmbiguous: false,
    },
  };
};

/** The second request is recorded while the first's transaction is still open; the first commits once the second waits. */
async function recordedTogether(first: NewRequest, second: NewRequest) {
  const { pool } = await postgres();
  let recorded!: () => void;
  const firstRecorded = new Promise<void>((r) => (recorded = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const firstDone = pool.transaction(async (tx) => {
    await insertRequest(tx, first);
    recorded();
    await released;
  });
  await firstRecorded;
  const secondDone = insertRequest(pool, second);
  try {
    // The second's statement that waits for a lock of the first: an identifier's or the subject's (not the audit chain's).
    await eventually(
      () =>
        pool
          .maybeOneFirst(sql.type(z.object({ pid: z.number() }))`
            select pid from pg_stat_activity
            where wait_event = 'advisory' and datname = current_database() and query like '%pg_advisory_xact_lock(%' limit 1`)
          .then((p) => p ?? undefined),
      10_000,
      'the second request to wait for a lock of the first',
    );
  } finally {
    release();
  }
  await firstDone;
  const rows = z.array(z.object({ id: z.string(), subject_id: z.string().nullable(), duplicate_of: z.string().nullable() }));
  const linked = await pool.any(sql.type(rows.element)`select id, subject_id, duplicate_of from dsrflow.requests where id = any(${sql.array([first.id, (await secondDone).row.id], 'uuid')})`);
  return { first: linked.find((r) => r.id === first.id)!, second: linked.find((r) => r.id === second.id)! };
}

test('two requests sharing only a customer id, recorded at the same moment, are one subject and the later is flagged', async () => {
  const customerId = `cus_${randomUUID().slice(0, 8)}`;
  const { first, second } = await recordedTogether(request({ email: `race-a-${randomUUID()}@example.com`, customerId }), request({ email: `race-b-${randomUUID()}@example.com`, customerId }));
  assert.equal(second.subject_id, first.subject_id, 'the customer id links the second to the first one’s subject');
  assert.equal(second.duplicate_of, first.id);
});

test('two requests of one known subject by different identifiers, at the same moment: the later is flagged', async () => {
  const { pool } = await postgres();
  const email = `known-${randomUUID()}@example.com`;
  const customerId = `cus_${randomUUID().slice(0, 8)}`;
  // Earlier, closed: the subject is known by its email and its customer id.
  const earlier = request({ email, customerId });
  await insertRequest(pool, earlier);
  await pool.query(sql.unsafe`update dsrflow.requests set status = 'completed' where id = ${earlier.id}`);
  const { first, second } = await recordedTogether(request({ email }), request({ email: `other-${randomUUID()}@example.com`, customerId }));
  assert.equal(first.duplicate_of, null);
  assert.equal(second.subject_id, first.subject_id);
  assert.equal(second.duplicate_of, first.id, 'the second sees the first, recorded a moment before under another identifier');
});
