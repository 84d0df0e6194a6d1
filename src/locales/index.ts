// The languages of everything a data subject reads: the Privacy Center's pages and every email to them.
// One file per language; the API's pages and the activities' emails both import this module (neither owns it).

import { de } from './de.ts';
import { en, type Messages } from './en.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';

export type { Messages };

export const LOCALES = ['en', 'de', 'fr', 'es'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

const MESSAGES: Record<Locale, Messages> = { en, de, fr, es };

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && (LOCALES as readonly string[]).includes(value);

/** A stored or chosen language as one of ours; anything unknown (a request recorded before languages) is English. */
export const localeOf = (locale: string | null | undefined): Locale => (isLocale(locale) ? locale : DEFAULT_LOCALE);

/** The messages of a stored or chosen language (English for anything unknown). */
export const messagesFor = (locale: string | null | undefined): Messages => MESSAGES[localeOf(locale)];

/**
 * The best of our languages for an Accept-Language header (RFC 9110 weights; `de-AT` matches `de`); English when
 * nothing matches.
 */
export function pickLocale(acceptLanguage: string | null | undefined): Locale {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { base: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index };
    })
    .filter((x) => x.base && Number.isFinite(x.q) && x.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.map((x) => x.base).find(isLocale) ?? DEFAULT_LOCALE;
}

/** A calendar date as the person reads it ("3. März 2027", "March 3, 2027"), on the law's clock (`timeZone`). */
export function formatDate(locale: Locale | string | null | undefined, instant: string | Date, timeZone = 'UTC'): string {
  const language = isLocale(locale) ? locale : DEFAULT_LOCALE;
  let format = dateFormats.get(`${language} ${timeZone}`);
  if (!format) dateFormats.set(`${language} ${timeZone}`, (format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone })));
  return format.format(new Date(instant));
}

// Intl objects are costly to make: one per language, made on first use.
const regionNames = new Map<Locale, Intl.DisplayNames>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** A country's name in the reader's language (ISO 3166-1 alpha-2). */
export function countryName(locale: Locale, code: string): string {
  let names = regionNames.get(locale);
  if (!names) regionNames.set(locale, (names = new Intl.DisplayNames([locale], { type: 'region' })));
  return names.of(code) ?? code;
}
