import { createHash } from 'node:crypto';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

// Global Privacy Control (docs/privacy-center.md): the opt-outs already in force, and the signed deliveries already
// accepted (a forwarded signal replayed is refused).

/**
 * The subject's opt-out of sale already open or done and not lifted, found by the keyed hashes of their identifiers:
 * a browser sends its signal on every visit, and one opt-out is enough.
 */
export const findOptOutInForce = (db: CommonQueryMethods, organizationId: string, identifierHashes: readonly string[]) =>
  identifierHashes.length === 0
    ? Promise.resolve(null)
    : db.maybeOneFirst(sql.type(z.object({ id: z.uuid() }))`
        select r.id from dsrflow.requests r
        join dsrflow.subject_identifiers i on i.subject_id = r.subject_id and i.organization_id = r.organization_id
        where r.organization_id = ${organizationId} and i.identifier_hash = any(${sql.array([...identifierHashes], 'text')})
          and r.type = 'noSale' and r.status not in ('rejected', 'cancelled', 'unverified')
          and not exists (select 1 from dsrflow.suppression_lifts l where l.request_id = r.id)
        order by r.received_at desc limit 1`);

/**
 * Records a signed delivery once: false when the same signature was accepted before (a replay). Rows older than the
 * signature tolerance can never match a fresh timestamp again and are dropped on the way.
 */
export async function acceptSignedDeliveryOnce(db: CommonQueryMethods, source: string, signatureHeader: string, toleranceSeconds: number): Promise<boolean> {
  const signatureHash = createHash('sha256').update(`${source}\n${signatureHeader}`).digest('hex');
  await db.query(sql.unsafe`delete from dsrflow.signed_deliveries where received_at < now() - make_interval(secs => ${toleranceSeconds * 2})`);
  const inserted = await db.maybeOneFirst(sql.type(z.object({ signature_hash: z.string() }))`
    insert into dsrflow.signed_deliveries (signature_hash, source) values (${signatureHash}, ${source})
    on conflict (signature_hash) do nothing returning signature_hash`);
  return inserted !== null;
}
