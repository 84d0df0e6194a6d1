import { html, raw } from 'hono/html';
import { isCalendarId } from '../../domain/calendars.ts';
import { localDateOf, toDayNumber } from '../../domain/dates.ts';
import { chooseCalendar } from '../../domain/deadlines.ts';
import { isRegulationCode, regulationRule } from '../../domain/regulations.ts';
import type { RequestStatus, RequestType } from '../../domain/request.ts';

// The console's vocabulary: plain words for codes, a tone per status (always shown with its word), dates as the
// law counts them (the regime's calendar day, not the viewer's).

export const TYPE_WORDS: Record<RequestType, string> = {
  access: 'Access',
  export: 'Portability',
  rectify: 'Rectification',
  erasure: 'Erasure',
  restrict: 'Restriction',
  object: 'Objection',
  noSale: 'Do not sell',
};

export const STATUS_WORDS: Record<RequestStatus, { word: string; tone: 'new' | 'wait' | 'work' | 'done' | 'stop' }> = {
  submitted: { word: 'Received', tone: 'new' },
  awaiting_verification: { word: 'Awaiting identity', tone: 'wait' },
  verified: { word: 'Identity verified', tone: 'work' },
  in_assessment: { word: 'In assessment', tone: 'work' },
  processing: { word: 'Processing', tone: 'work' },
  completed: { word: 'Completed', tone: 'done' },
  rejected: { word: 'Rejected', tone: 'stop' },
  cancelled: { word: 'Cancelled', tone: 'stop' },
  unverified: { word: 'Not verified', tone: 'stop' },
};

export const REGULATION_WORDS = (code: string) => code.replace('_', ' ');

export const humanize = (code: string) => code.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());

// Small line icons (24x24, stroke only): decoration beside the type's word, hidden from screen readers.
const ICON_PATHS: Record<RequestType, string> = {
  access: 'M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12z M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6z',
  export: 'M12 3v12 M7 10l5 5 5-5 M4 19h16',
  rectify: 'M4 20h4L19 9l-4-4L4 16z M14 6l4 4',
  erasure: 'M4 7h16 M9 7V4h6v3 M6 7l1 13h10l1-13',
  restrict: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z M10 9v6 M14 9v6',
  object: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z M8 12h8',
  noSale: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z M6 6l12 12',
};

const drawTypeLabel = (type: RequestType, suffix: string) =>
  html`<span class="type"><svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${ICON_PATHS[type]}"/></svg>${TYPE_WORDS[type]}${suffix}</span>`;
const drawStatusBadge = (status: RequestStatus) => html`<span class="badge tone-${STATUS_WORDS[status].tone}">${STATUS_WORDS[status].word}</span>`;

// Drawn once per type and status: a list page shows one of each per row.
const TYPE_LABELS = new Map(Object.keys(TYPE_WORDS).map((t) => [t, drawTypeLabel(t as RequestType, '')]));
const STATUS_BADGES = new Map(Object.keys(STATUS_WORDS).map((s) => [s, drawStatusBadge(s as RequestStatus)]));

export const typeLabel = (type: RequestType, suffix = '') => (suffix === '' ? TYPE_LABELS.get(type) : undefined) ?? drawTypeLabel(type, suffix);

export const statusBadge = (status: RequestStatus) => STATUS_BADGES.get(status) ?? drawStatusBadge(status);

/** The zone the request's dates are counted in: its calendar's (a controller in Dublin counts Dublin days), else the regime's. */
function timeZoneOf(regulation: string, calendar?: unknown): string {
  if (!isRegulationCode(regulation)) return 'UTC';
  const id = (calendar as { id?: unknown } | null | undefined)?.id;
  try {
    return chooseCalendar(regulation, { requested: typeof id === 'string' && isCalendarId(id) ? id : undefined }).timeZone;
  } catch {
    return regulationRule(regulation).timeZone;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "30 Apr" (with the year when it is not the current one) for a calendar date YYYY-MM-DD. */
export function shortDate(isoDate: string, now: Date): string {
  const year = Number(isoDate.slice(0, 4));
  return `${Number(isoDate.slice(8, 10))} ${MONTHS[Number(isoDate.slice(5, 7)) - 1]}${year === now.getUTCFullYear() ? '' : ` ${year}`}`;
}

/** An instant as the regime's calendar day, e.g. received 3 Apr (Europe/Brussels for GDPR). */
export const lawDate = (instant: string, regulation: string, now: Date, calendar?: unknown) => shortDate(localDateOf(new Date(instant), timeZoneOf(regulation, calendar)), now);

/** Full date and time in UTC for titles and detail rows (unambiguous for every reader). */
export const utcStamp = (instant: string) => `${instant.slice(0, 10)} ${instant.slice(11, 16)} UTC`;

// Today's day number in a zone, kept for the `now` of the page being drawn (a list asks once per row).
const today = new Map<string, { at: number; day: number }>();
function todayIn(zone: string, now: Date): number {
  const kept = today.get(zone);
  if (kept?.at === now.getTime()) return kept.day;
  const day = toDayNumber(localDateOf(now, zone));
  today.set(zone, { at: now.getTime(), day });
  return day;
}

export interface DueFacts {
  text: string;
  overdue: boolean;
  /** Calendar days left in the regime's zone: 0 is due today, negative is overdue. */
  daysLeft: number;
}

/** "due 30 Apr, 12 days left" / "due 30 Apr, today" / "due 30 Apr, 3 days overdue"; a closed request says only its due date. */
export function dueFacts(dueAt: string, regulation: string, now: Date, open: boolean, calendar?: unknown): DueFacts {
  const zone = timeZoneOf(regulation, calendar);
  const dueOn = localDateOf(new Date(dueAt), zone);
  const daysLeft = toDayNumber(dueOn) - todayIn(zone, now);
  const date = `due ${shortDate(dueOn, now)}`;
  const overdue = open && now.getTime() > new Date(dueAt).getTime();
  if (!open) return { text: date, overdue: false, daysLeft };
  if (overdue) return { text: `${date}, ${-daysLeft} day${daysLeft === -1 ? '' : 's'} overdue`, overdue, daysLeft };
  if (daysLeft === 0) return { text: `${date}, today`, overdue, daysLeft };
  return { text: `${date}, ${daysLeft} day${daysLeft === 1 ? '' : 's'} left`, overdue, daysLeft };
}

export const fileSize = (bytes: number | null) =>
  bytes === null ? '' : bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export { raw };
