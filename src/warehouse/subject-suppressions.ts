import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { DEFAULT_DELETION_SCHEMA } from './deletion-table.ts';

// A subject's suppressions in force, across its requests, for its record (GET /v1/subjects/{did}) and the console's
// customer profile (the subjects the customer is at each organization).

const suppressionRow = z.object({ suppression_id: z.string(), request_id: z.string(), scope: z.string(), basis: z.string(), effective_at: z.string() });
/** Suppressions in force (the warehouse's table, made by the worker: absent until the first one is written). */
export async function openSuppressions(db: CommonQueryMethods, subjectIds: readonly string[], schema: string = DEFAULT_DELETION_SCHEMA) {
  const present = await db.oneFirst(sql.type(z.object({ present: z.boolean() }))`select to_regclass(${`${schema}.suppressions`}) is not null as present`);
  if (!present || subjectIds.length === 0) return [];
  return db.any(sql.type(suppressionRow)`
    select x.suppression_id, x.request_id, x.scope, x.basis, x.effective_at from ${sql.identifier([schema, 'suppressions'])} x
    join dsrflow.requests r on r.id = x.request_id
    where r.subject_id = any(${sql.array([...subjectIds], 'text')}) and x.lifted_at is null order by x.effective_at`);
}

