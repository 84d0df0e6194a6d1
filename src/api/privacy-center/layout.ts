import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { LOCALES, messagesFor, type Locale } from '../../locales/index.ts';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PublicPage {
  locale: Locale;
  title: string;
  /** The organization's name in the masthead and footer; none on a page for an unknown address. */
  organization?: string | undefined;
  /** Where each language's version of this page is (the current query with another `lang`); none: no switcher. */
  languageHref?: ((locale: Locale) => string) | undefined;
  body: Html;
}

/** The one layout of every public page: masthead with the organization and the languages, main, a quiet footer. */
export function publicLayout(p: PublicPage): Html {
  const t = messagesFor(p.locale);
  return html`<!doctype html>
<html lang="${p.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${p.title}${p.organization ? ` - ${p.organization}` : ''}</title>
<link rel="stylesheet" href="/privacy/assets/privacy.css">
</head>
<body>
<a class="skip" href="#main">${t.page.skip}</a>
<header class="masthead"><div class="inner">
<span class="org">${p.organization ?? 'dsrflow'}</span>
${p.languageHref
  ? html`<nav aria-label="${t.page.language}"><ul>${LOCALES.map((l) => html`<li><a href="${p.languageHref!(l)}" lang="${l}" hreflang="${l}"${l === p.locale ? ' aria-current="true"' : ''}>${messagesFor(l).languageName}</a></li>`)}</ul></nav>`
  : ''}
</div></header>
<main id="main" tabindex="-1">
${p.body}
</main>
${p.organization ? html`<footer class="foot"><p>${t.page.footer(p.organization)}</p></footer>` : ''}
</body>
</html>`;
}

/** The error summary at the top of a form: each problem links to its field (GOV.UK pattern). */
export const errorSummary = (locale: Locale, problems: ReadonlyArray<{ field: string; message: string }>) =>
  problems.length === 0
    ? ''
    : html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1"><h2 id="error-summary-title">${messagesFor(locale).page.problem}</h2><ul>${problems.map((p) => html`<li><a href="#f-${p.field}">${p.message}</a></li>`)}</ul></div>`;
