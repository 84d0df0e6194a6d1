import type { Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { listNotifications, markOneRead, markRead } from '../../db/console-notifications.ts';
import { organizationScope } from '../access.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { formGuards, layout } from './layout.ts';
import { checkedForm, type ConsoleEnv } from './session.ts';
import { utcStamp } from './words.ts';

// The notification centre: what the workflows tell staff (the same moments as the emails to STAFF_NOTIFY_EMAIL),
// newest first, with what this staff member has not read yet marked in words and by a bar.

const WORDS: Record<string, string> = {
  'request.received': 'New request',
  'request.in_assessment': 'Awaiting assessment',
  staff_reminder: 'Due soon',
  staff_overdue: 'Overdue',
  staff_acknowledgement_overdue: 'Acknowledgement overdue',
  staff_ambiguous_subject: 'Several customers match: decide in the assessment',
  staff_rectification_refused: 'A correction was refused by the warehouse',
  staff_destination_abandoned: 'A connected system could not be told',
};

export async function notificationsView(c: Context<ConsoleEnv>, deps: AppDeps) {
  const actor = c.get('actor');
  const items = await listNotifications(deps.pool, actor.tokenId, organizationScope(actor));
  const newest = items[0]?.id ?? 0;
  const body = html`<div class="page-head"><h1>Notifications</h1>
${items.some((n) => n.unread)
  ? html`<form method="post" action="/console/notifications/read">${formGuards(c.get('csrfToken'))}<input type="hidden" name="upTo" value="${newest}"><button type="submit" class="secondary">Mark all as read</button></form>`
  : ''}</div>
${items.length === 0
  ? html`<p class="empty">Nothing yet. New requests, requests awaiting assessment, reminders, overdue requests and problems the workflows meet appear here.</p>`
  : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Notifications table"><table class="notifications"><thead><tr><th scope="col">When (UTC)</th><th scope="col">What</th><th scope="col">Request</th><th scope="col">Read</th></tr></thead><tbody>
${items.map((n) => html`<tr${n.unread ? html` class="unread"` : ''}><td data-label="When" class="nowrap">${utcStamp(n.occurred_at)}</td><td data-label="What">${WORDS[n.kind ?? n.action] ?? n.kind ?? n.action}${n.days_before ? ` (${n.days_before} day${n.days_before === 1 ? '' : 's'} before)` : ''}</td>
<td data-label="Request">${n.request_id ? html`<a class="mono" href="/console/requests/${n.request_id}">${n.request_id.slice(0, 8)}</a>` : ''}</td><td data-label="Read">${n.unread
  ? html`<span class="new-word">New</span> <form method="post" action="/console/notifications/${n.id}/read" class="inline">${formGuards(c.get('csrfToken'))}<button type="submit" class="link" aria-label="Mark read: ${WORDS[n.kind ?? n.action] ?? n.kind ?? n.action}, ${utcStamp(n.occurred_at)}">Mark read</button></form>`
  : 'Read'}</td></tr>`)}
</tbody></table></div>`}`;
  return c.html(layout({ title: 'Notifications', actor, csrfToken: c.get('csrfToken'), unread: c.get('unread'), section: 'notifications', body }));
}

export async function postRead(c: Context<ConsoleEnv>, deps: AppDeps) {
  const form = await checkedForm(c, deps);
  const upTo = Number(typeof form.upTo === 'string' ? form.upTo : NaN);
  // Up to the newest shown: what arrived while the page was open stays unread.
  if (Number.isSafeInteger(upTo) && upTo > 0) await markRead(deps.pool, c.get('actor').tokenId, upTo);
  return c.redirect('/console/notifications', 303);
}

/** POST /console/notifications/:id/read: this one notification is read (the badge counts one less). */
export async function postReadOne(c: Context<ConsoleEnv>, deps: AppDeps) {
  await checkedForm(c, deps);
  const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).safeParse(c.req.param('id'));
  const actor = c.get('actor');
  if (!id.success || !(await markOneRead(deps.pool, actor.tokenId, organizationScope(actor), id.data))) {
    throw new ApiError(404, 'NOTIFICATION_NOT_FOUND', 'There is no such notification.');
  }
  return c.redirect('/console/notifications', 303);
}
