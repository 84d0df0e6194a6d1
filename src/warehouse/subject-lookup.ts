import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { ResolvedDataModel, SubjectIdentifier } from '../domain/data-model.ts';
import type { SubjectRow } from '../db/requests.ts';

/**
 * The user a request is about, found by its identifiers. `ambiguous` when the identifiers match more than one
 * user (staff must decide); `notFound` when none matches ("we hold no data about you"). Carries keys and the
 * names of the identifiers that matched, never their values.
 */
export type SubjectMatch =
  | { outcome: 'found'; userKey: string; matchedBy: SubjectIdentifier[] }
  | { outcome: 'notFound' }
  | { outcome: 'ambiguous'; candidates: number };

const identifierValues = (s: SubjectRow): Record<SubjectIdentifier, string | null> => ({
  email: s.email,
  customerId: s.customer_id,
  phone: s.phone,
});

const matchRow = z.object({ user_key: z.string(), matched_by: z.string() });

export async function lookupSubject(db: CommonQueryMethods, model: ResolvedDataModel, subject: SubjectRow): Promise<SubjectMatch> {
  const values = identifierValues(subject);
  const users = model.users;
  const probes = Object.entries(users.identifierColumns).flatMap(([id, column]) => {
    const value = values[id as SubjectIdentifier];
    if (value === null || value.trim() === '') return [];
    const col = sql.identifier(['u', column!]);
    // Emails compare case-insensitively: "Zoe@Example.com" is the same mailbox.
    const condition = id === 'email' ? sql.fragment`lower(${col}) = lower(${value.trim()})` : sql.fragment`${col} = ${value.trim()}`;
    return [sql.fragment`select ${sql.identifier(['u', users.key])}::text as user_key, ${id} as matched_by from ${sql.identifier([users.table.schema, users.table.name])} u where ${condition}`];
  });
  if (probes.length === 0) return { outcome: 'notFound' };
  const rows = await db.any(sql.type(matchRow)`${sql.join(probes, sql.fragment` union all `)}`);
  const keys = [...new Set(rows.map((r) => r.user_key))];
  if (keys.length === 0) return { outcome: 'notFound' };
  if (keys.length > 1) return { outcome: 'ambiguous', candidates: keys.length };
  return { outcome: 'found', userKey: keys[0]!, matchedBy: [...new Set(rows.map((r) => r.matched_by as SubjectIdentifier))] };
}
