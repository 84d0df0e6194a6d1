import { randomUUID } from 'node:crypto';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { PrivacyCenterExtras } from '../domain/privacy-center-settings.ts';
import { REQUEST_TYPES } from '../domain/request.ts';

// An organization's Privacy Center settings as staff see and change them (API and console), each change in the
// audit trail with the values before and after (they are not personal data).

const settingsRow = z.object({
  id: z.string(),
  name: z.string(),
  embed_origins: z.array(z.string()).nullable(),
  identity_document_types: z.array(z.enum(REQUEST_TYPES)).nullable(),
});

export interface OrganizationSettings extends PrivacyCenterExtras {
  organization: { id: string; name: string };
}

const toSettings = (row: z.infer<typeof settingsRow>): OrganizationSettings => ({
  organization: { id: row.id, name: row.name },
  embedOrigins: row.embed_origins ?? [],
  identityDocumentTypes: row.identity_document_types ?? [],
});

/** The organization's settings (defaults without a settings row); null for an unknown organization. */
export async function readPrivacyCenterSettings(db: CommonQueryMethods, organizationId: string): Promise<OrganizationSettings | null> {
  const row = await db.maybeOne(sql.type(settingsRow)`
    select o.id, o.name, s.embed_origins, s.identity_document_types
    from dsrflow.organizations o left join dsrflow.privacy_center_settings s on s.organization_id = o.id
    where o.id = ${organizationId}`);
  return row ? toSettings(row) : null;
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Stores settings already checked (`checkPrivacyCenterExtras`) and, if anything changed, the audit event
 * `settings.privacy_center_changed` (organization-level: no request) in the same transaction. The organization's row
 * is locked first, so two changes at once are recorded one after the other, each with its true "before". Saving the
 * same values again changes nothing and records nothing. Null for an unknown organization.
 */
export async function changePrivacyCenterSettings(db: CommonQueryMethods, organizationId: string, after: PrivacyCenterExtras, actor: string): Promise<(OrganizationSettings & { changed: boolean }) | null> {
  return db.transaction(async (tx) => {
    const found = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`select id from dsrflow.organizations where id = ${organizationId} for update`);
    if (found === null) return null;
    const before = (await readPrivacyCenterSettings(tx, organizationId))!;
    if (same(before.embedOrigins, after.embedOrigins) && same(before.identityDocumentTypes, after.identityDocumentTypes)) return { ...before, changed: false };
    await tx.query(sql.unsafe`
      insert into dsrflow.privacy_center_settings (organization_id, embed_origins, identity_document_types)
      values (${organizationId}, ${sql.array(after.embedOrigins, 'text')}, ${sql.array(after.identityDocumentTypes, 'text')})
      on conflict (organization_id) do update set
        embed_origins = excluded.embed_origins, identity_document_types = excluded.identity_document_types, updated_at = now()`);
    const values = (s: PrivacyCenterExtras) => ({ embedOrigins: s.embedOrigins, identityDocumentTypes: s.identityDocumentTypes });
    await tx.query(sql.unsafe`
      insert into dsrflow.audit_events (event_key, organization_id, actor, action, details)
      values (${`settings/privacy-center/${organizationId}/${randomUUID()}`}, ${organizationId}, ${actor}, 'settings.privacy_center_changed',
        ${sql.jsonb({ before: values(before), after: values(after) })})`);
    return { organization: before.organization, ...values(after), changed: true };
  });
}

const embedRow = z.object({ embed_origins: z.array(z.string()), identity_document_types: z.array(z.string()) });

/** The organization's Privacy Center extras settings; defaults (nobody embeds, no document asked) without a row. */
export async function privacyCenterExtras(db: CommonQueryMethods, organizationId: string): Promise<{ embedOrigins: readonly string[]; identityDocumentTypes: readonly string[] }> {
  const row = await db.maybeOne(sql.type(embedRow)`
    select embed_origins, identity_document_types from dsrflow.privacy_center_settings where organization_id = ${organizationId}`);
  return { embedOrigins: row?.embed_origins ?? [], identityDocumentTypes: row?.identity_document_types ?? [] };
}

/** Sets who may embed the Privacy Center and which types need an identity document, unaudited: for seeds and tests (staff change them through changePrivacyCenterSettings above). */
export async function setPrivacyCenterExtras(db: CommonQueryMethods, organizationId: string, s: { embedOrigins?: readonly string[]; identityDocumentTypes?: readonly string[] }): Promise<void> {
  await db.query(sql.unsafe`
    insert into dsrflow.privacy_center_settings (organization_id, embed_origins, identity_document_types)
    values (${organizationId}, ${sql.array([...(s.embedOrigins ?? [])], 'text')}, ${sql.array([...(s.identityDocumentTypes ?? [])], 'text')})
    on conflict (organization_id) do update set
      embed_origins = ${s.embedOrigins ? sql.fragment`excluded.embed_origins` : sql.fragment`dsrflow.privacy_center_settings.embed_origins`},
      identity_document_types = ${s.identityDocumentTypes ? sql.fragment`excluded.identity_document_types` : sql.fragment`dsrflow.privacy_center_settings.identity_document_types`},
      updated_at = now()`);
}
