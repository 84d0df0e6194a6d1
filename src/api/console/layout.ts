import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Actor } from '../auth.ts';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageOptions {
  title: string;
  /** The signed-in staff member, or none on the sign-in pages. */
  actor?: Actor | undefined;
  csrfToken?: string | undefined;
  /** A short message at the top (after an action), announced to screen readers. */
  notice?: { kind: 'ok' | 'error'; text: string; href?: string } | undefined;
  body: Html;
  /** The console section the page belongs to, marked in the navigation. */
  section?: 'requests' | 'audit' | 'overview' | 'customers' | 'notifications' | 'settings' | undefined;
  /** Unread notifications, for the badge. */
  unread?: number | undefined;
}

const ROLE_WORDS: Record<Actor['role'], string> = { owner: 'Owner', admin: 'Admin', dpo: 'DPO', controller: 'Data controller', auditor: 'Auditor (read only)' };

const SECTIONS = [
  { id: 'requests', href: '/console', label: 'Requests' },
  { id: 'customers', href: '/console/customers', label: 'Customers' },
  { id: 'overview', href: '/console/overview', label: 'Overview' },
  { id: 'audit', href: '/console/audit', label: 'Audit trail' },
  // Every role reads its organizations' settings; owner, admin and dpo change them.
  { id: 'settings', href: '/console/settings', label: 'Settings' },
] as const;

/** The one layout of the console: header with who is signed in, skip link, main. No scripts. */
export function layout(p: PageOptions): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} - dsrflow console</title>
<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/console">dsrflow <span>Rights Management</span></a>
  ${p.actor
    ? html`<nav aria-label="Console" class="sections">${SECTIONS.filter((x) => (x.id !== 'audit' && x.id !== 'customers') || p.actor?.role !== 'controller').map((x) => html`<a href="${x.href}"${p.section === x.id ? ' aria-current="page"' : ''}>${x.label}</a>`)}</nav>`
    : ''}
  ${p.actor
    ? html`<nav aria-label="Account"><a href="/console/notifications" class="bell"${p.section === 'notifications' ? ' aria-current="page"' : ''}>Notifications${p.unread ? html` <span class="count">${p.unread > 99 ? '99+' : p.unread}<span class="visually-hidden"> unread</span></span>` : ''}</a><span class="who" title="${p.actor.name}">${p.actor.name} · ${ROLE_WORDS[p.actor.role]}${p.actor.organizationId ? html` · ${p.actor.organizationId}` : ''}</span>
      <form method="post" action="/console/sign-out" class="inline"><input type="hidden" name="_csrf" value="${p.csrfToken ?? ''}"><button class="link" type="submit">Sign out</button></form></nav>`
    : ''}
</header>
<main id="main" tabindex="-1">
${p.notice ? html`<div class="notice notice-${p.notice.kind}" role="${p.notice.kind === 'error' ? 'alert' : 'status'}">${p.notice.href ? html`<a href="${p.notice.href}">${p.notice.text}</a>` : p.notice.text}</div>` : ''}
${p.body}
</main>
</body>
</html>`;
}

/** The hidden fields every console form carries: the session's CSRF token and, for actions, a fresh Idempotency-Key. */
export const formGuards = (csrfToken: string, idempotencyKey?: string) =>
  html`<input type="hidden" name="_csrf" value="${csrfToken}">${idempotencyKey ? html`<input type="hidden" name="idempotencyKey" value="${idempotencyKey}">` : ''}`;
