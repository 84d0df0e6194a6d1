import { linkEarlierRequest, listUnlinkedRequests } from '../../db/subjects.ts';
import { subjectLinkFor, type IntakeDeps } from './intake.ts';

/**
 * Links requests recorded before subjects existed (migration 015) to their subjects, the way intake links new ones,
 * in batches; run once when the API starts. They get no duplicate or repeat-limit flag after the fact.
 */
export async function linkEarlierRequests(deps: IntakeDeps, batch = 200): Promise<number> {
  let linked = 0;
  for (;;) {
    const rows = await listUnlinkedRequests(deps.pool, batch);
    let progressed = 0;
    for (const r of rows) {
      const link = await subjectLinkFor(deps, r.organization_id, { email: r.email, customerId: r.customer_id ?? undefined, phone: r.phone ?? undefined });
      if (await linkEarlierRequest(deps.pool, r, link)) progressed += 1;
    }
    linked += progressed;
    if (rows.length < batch || progressed === 0) return linked;
  }
}
