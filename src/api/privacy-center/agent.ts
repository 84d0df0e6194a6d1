import { z } from '@hono/zod-openapi';
import { html } from 'hono/html';
import { recordAgent, storeDocument } from '../../db/request-documents.ts';
import { regulationFor } from '../../domain/residence.ts';
import { messagesFor } from '../../locales/index.ts';
import { emailAddress, text } from '../fields.ts';
import type { Html } from './layout.ts';
import type { FormSlotContext } from './slot-context.ts';
import { hasUpload, readUpload, type CheckedUpload } from './uploads.ts';

// The authorized agent's part of the form (CCPA, 11 CCR 7063): the agent's name and email, the consumer's details in
// the form's own fields, and a signed permission document. Staff check the permission before anything is done.

type Problem = { field: string; message: string };

/** The agent's fields of the form, as documented in /openapi.json (all three, or none). */
export const AGENT_FIELDS = {
  agentName: z.string().max(200).optional().openapi({ description: 'Authorized agent (CCPA): their name' }),
  agentEmail: z.string().max(320).optional().openapi({ description: 'Authorized agent: their email address' }),
  permission: z.string().optional().openapi({ format: 'binary', description: 'Authorized agent: the signed permission, PDF, PNG or JPEG (by its bytes), at most 5 MB' }),
};

// What the checks found, for the section rendered on the same request (the slot context carries no problems).
const checked = new WeakMap<Request, { problems: readonly Problem[]; permission: CheckedUpload | null }>();

/** Offered where the person's law provides for authorized agents with a signed permission (CCPA). */
export const offersAgent = (s: FormSlotContext) => regulationFor(s.residence) === 'CCPA';

const isAgent = async (s: FormSlotContext) => Boolean(s.values.agentName || s.values.agentEmail || (await hasUpload(s.c, 'permission')));

export function agentSection(s: FormSlotContext): Html | '' {
  if (!offersAgent(s)) return '';
  const t = messagesFor(s.locale).extras;
  const problems = checked.get(s.c.req.raw)?.problems ?? [];
  const open = Boolean(s.values.agentName || s.values.agentEmail) || problems.length > 0;
  const field = (name: string, label: string, input: (describedBy: string) => Html, hint?: string) => {
    const error = problems.find((p) => p.field === name)?.message;
    const ids = [hint ? `f-${name}-hint` : '', error ? `f-${name}-error` : ''].filter(Boolean).join(' ');
    return html`<div class="field${error ? ' field-error' : ''}"><label for="f-${name}">${label}</label>${hint ? html`<p class="hint" id="f-${name}-hint">${hint}</p>` : ''}${error ? html`<p class="field-message" id="f-${name}-error">${error}</p>` : ''}${input(ids)}</div>`;
  };
  const describedBy = (ids: string) => (ids ? html` aria-describedby="${ids}"` : '');
  return html`<details class="agent"${open ? ' open' : ''}><summary>${t.agentSummary}</summary>
<p class="hint">${t.agentHint}</p>
${field('agentName', t.agentName, (d) => html`<input id="f-agentName" name="agentName" type="text" maxlength="200" autocomplete="name" value="${s.values.agentName ?? ''}"${describedBy(d)}>`)}
${field('agentEmail', t.agentEmail, (d) => html`<input id="f-agentEmail" name="agentEmail" type="email" maxlength="320" autocomplete="email" spellcheck="false" value="${s.values.agentEmail ?? ''}"${describedBy(d)}>`)}
${field('permission', t.permission, (d) => html`<input id="f-permission" name="permission" type="file" accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"${describedBy(d)}>`, t.permissionHint)}
</details>`;
}

/** The agent's fields, when the person filled any: all three needed, the file checked by its bytes. */
export async function checkAgent(s: FormSlotContext): Promise<readonly Problem[]> {
  if (!offersAgent(s) || !(await isAgent(s))) return [];
  const t = messagesFor(s.locale).extras;
  const problems: Problem[] = [];
  if (!text({ max: 200 }).safeParse(s.values.agentName ?? '').success) problems.push({ field: 'agentName', message: t.errors.agentName });
  if (!emailAddress().safeParse(s.values.agentEmail ?? '').success) problems.push({ field: 'agentEmail', message: t.errors.agentEmail });
  const upload = await readUpload(s.c, 'permission');
  if ('problem' in upload) problems.push({ field: 'permission', message: t.errors[upload.problem] });
  if (!s.deps.documents) problems.push({ field: 'permission', message: t.errors.unavailable });
  checked.set(s.c.req.raw, { problems, permission: 'problem' in upload ? null : upload });
  return problems;
}

/** An agent's request is decided by staff: no link to the consumer verifies it, no policy approves it. */
export const agentActs = (s: FormSlotContext) => checked.get(s.c.req.raw)?.permission != null;

/** After the request is recorded: the agent and the permission, encrypted (only what checkAgent accepted). */
export async function storeAgent(s: FormSlotContext & { requestId: string }): Promise<void> {
  const permission = checked.get(s.c.req.raw)?.permission;
  if (!permission || !s.deps.documents) return;
  await recordAgent(s.deps.pool, { requestId: s.requestId, name: s.values.agentName!.trim(), email: s.values.agentEmail!.trim() });
  await storeDocument(s.deps.pool, s.deps.documents, { requestId: s.requestId, kind: 'agent_permission', mediaType: permission.type, content: permission.content, actor: 'agent' });
}
