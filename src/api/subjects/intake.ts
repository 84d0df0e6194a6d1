import { lookupSubject } from '../../warehouse/subject-lookup.ts';
import type { SubjectLinkInput } from '../../db/subjects.ts';
import type { ResolvedDataModel } from '../../domain/data-model.ts';
import { normalizeIdentifier } from '../../domain/subjects.ts';
import { identifierHashes, subjectIdFor } from '../../platform/subject-keys.ts';
import type { AppDeps } from '../deps.ts';

export type IntakeDeps = Pick<AppDeps, 'pool' | 'warehouseLookups' | 'settings' | 'dataModel' | 'logger'>;

interface GivenIdentifiers {
  email: string;
  customerId?: string | undefined;
  phone?: string | undefined;
}

/**
 * What intake knows about the subject before the request is recorded: keyed hashes of the identifiers given, and of
 * the warehouse customer they match. The warehouse is asked here (not later by an activity) so the request joins
 * its subject at once, whichever identifier the person used. A warehouse that cannot answer never stops intake:
 * the request then links by its own identifiers only (also after 2 s without an answer).
 */
export async function subjectLinkFor(deps: IntakeDeps, organizationId: string, given: GivenIdentifiers): Promise<SubjectLinkInput> {
  const keys = deps.settings.subjectKeys;
  const warehouse = await warehouseCustomer(deps, given);
  return {
    newSubjectId: subjectIdFor(keys, organizationId, normalizeIdentifier('email', given.email)!),
    hashes: {
      email: identifierHashes(keys, 'email', given.email),
      customerId: identifierHashes(keys, 'customerId', given.customerId),
      phone: identifierHashes(keys, 'phone', given.phone),
      warehouseKey: warehouse.outcome === 'found' ? identifierHashes(keys, 'warehouseKey', warehouse.userKey) : [],
    },
    warehouseAmbiguous: warehouse.outcome === 'ambiguous',
  };
}

async function warehouseCustomer(deps: IntakeDeps, given: GivenIdentifiers) {
  // The lookup reads the users model's table, key and identifier columns only: no live column metadata needed.
  const users = deps.dataModel.users;
  const model = { users: { ...users, joins: [], columns: [] }, models: [] } satisfies ResolvedDataModel;
  try {
    // Bounded by the look-up pool's statement timeout: a slow warehouse (no index on the identifier columns, a long
    // lock) must not hold intake.
    return await lookupSubject(deps.warehouseLookups, model, {
      request_id: '',
      email: normalizeIdentifier('email', given.email) ?? '',
      customer_id: normalizeIdentifier('customerId', given.customerId),
      phone: given.phone?.trim() || null,
      full_name: null,
      extra_identifiers: {},
    });
  } catch (error) {
    deps.logger.warn('the warehouse could not be asked for the subject at intake; linking by the identifiers given', { error: (error as Error).name });
    return { outcome: 'unavailable' as const };
  }
}
