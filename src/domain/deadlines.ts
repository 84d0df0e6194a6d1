// The deadline engine: turns a regime row, a request type and the instant of receipt into legal dates and instants.

import { addCalendarDays, addCalendarMonths, checkedInstant, endOfLocalDay, localDateOf, type IsoDate } from './dates.ts';
import { DomainError } from './errors.ts';
import { CALENDARS, type CalendarId } from './calendars.ts';
import { addBusinessDays, checkedCalendar, legacyCalendar, nextWorkingDay, type HolidayCalendar } from './holidays.ts';
import { regulationRule, typeRuleFor, type Period, type RegulationCode, type RegulationRule, type TypeRule } from './regulations.ts';
import type { RequestType } from './request.ts';

export interface DeadlineInput {
  readonly regulation: RegulationCode;
  readonly type: RequestType;
  /** When the request reached an official channel - not when staff typed it in. */
  readonly receivedAt: Date;
  /**
   * The holiday calendar to count with: the regime's own, or one it lets the organization or request choose (GDPR:
   * the member state). Made at intake (src/platform/holiday-calendars.ts); absent only for requests opened before
   * calendars travelled with them, which count as they always did (legacyCalendar).
   */
  readonly calendar?: HolidayCalendar;
}

export interface Deadlines {
  readonly receivedOn: IsoDate;
  readonly dueOn: IsoDate;
  /** The last millisecond of dueOn in the regime's time zone. */
  readonly dueAt: Date;
  readonly acknowledgeBy: Date | null;
  readonly extension: {
    readonly allowed: boolean;
    readonly maxExtensions: number | null;
    readonly maxDueOn: IsoDate | null;
    readonly maxDueAt: Date | null;
  };
  readonly verification: 'required' | 'notAllowed';
  readonly stopTheClock: boolean;
  readonly timeZone: string;
  readonly calendarId: string;
}

export interface ExtensionInput extends DeadlineInput {
  readonly currentDueAt: Date;
  readonly extensionsUsed: number;
  /** When the extension notice goes to the requester. */
  readonly requestedAt: Date;
  /** Calendar days the clock stood still; counts only where the regime stops the clock. */
  readonly pausedDays?: number;
}

export type ExtensionPlan =
  | { readonly ok: true; readonly dueOn: IsoDate; readonly dueAt: Date }
  | { readonly ok: false; readonly code: string; readonly reason: string };

export interface ClockStopInput extends DeadlineInput {
  readonly pausedDays: number;
  readonly extended: boolean;
}

export interface DueDate {
  readonly dueOn: IsoDate;
  readonly dueAt: Date;
}

interface Regime {
  readonly rule: RegulationRule;
  readonly typeRule: TypeRule;
  readonly calendar: HolidayCalendar;
  readonly timeZone: string;
}

const DAY_MS = 86_400_000;

/**
 * The calendar a request counts with: the one the request names (an error if the regime does not allow it), else
 * where the organization is established when the regime allows that calendar, else the regime's own.
 */
export function chooseCalendar(regulation: RegulationCode, choice: { requested?: CalendarId | undefined; established?: CalendarId | null | undefined }): { calendarId: CalendarId; timeZone: string } {
  const rule = regulationRule(regulation);
  const allowed = (id: CalendarId) => id === rule.calendarId || rule.selectableCalendars.includes(id);
  if (choice.requested !== undefined && !allowed(choice.requested)) {
    throw new DomainError('REGULATION.CALENDAR_NOT_ALLOWED', `${rule.name} cannot use calendar '${choice.requested}'; allowed: ${[rule.calendarId, ...rule.selectableCalendars].join(', ')}`);
  }
  const calendarId = choice.requested ?? (choice.established && allowed(choice.established) ? choice.established : rule.calendarId);
  return { calendarId, timeZone: calendarId === rule.calendarId ? rule.timeZone : CALENDARS[calendarId].timeZone };
}

export function computeDeadlines(input: DeadlineInput): Deadlines {
  const regime = resolveRegime(input);
  const { rule, typeRule, timeZone } = regime;
  const receivedOn = localDateOf(checkedInstant(input.receivedAt, 'receivedAt'), timeZone);
  const dueOn = periodEnd(regime, receivedOn, typeRule.response);
  const acknowledgement = typeRule.acknowledgement;
  const acknowledgeOn =
    acknowledgement === null ? null : addPeriod(regime.calendar, receivedOn, acknowledgement.within);
  const extension = typeRule.extension;
  const maxDueOn = extension.allowed ? periodEnd(regime, receivedOn, extension.maxTotal) : null;
  return {
    receivedOn,
    dueOn,
    dueAt: endOfLocalDay(dueOn, timeZone),
    acknowledgeBy: acknowledgeOn === null ? null : endOfLocalDay(acknowledgeOn, timeZone),
    extension: {
      allowed: extension.allowed,
      maxExtensions: extension.maxExtensions,
      maxDueOn,
      maxDueAt: maxDueOn === null ? null : endOfLocalDay(maxDueOn, timeZone),
    },
    verification: typeRule.verification,
    stopTheClock: rule.stopTheClock,
    timeZone,
    calendarId: regime.calendar.id,
  };
}

/**
 * Decides whether the period may be extended now, and to when. The extended date is counted from receipt
 * (GDPR/UK: receipt + 3 calendar months, not initial due date + 60 days), with the regime's roll-forward rule.
 */
export function planExtension(input: ExtensionInput): ExtensionPlan {
  const regime = resolveRegime(input);
  const { rule, typeRule, timeZone } = regime;
  const extension = typeRule.extension;
  const requestedAt = checkedInstant(input.requestedAt, 'requestedAt');
  const currentDueAt = checkedInstant(input.currentDueAt, 'currentDueAt');
  if (!Number.isSafeInteger(input.extensionsUsed) || input.extensionsUsed < 0) {
    throw new DomainError('EXTENSION.INVALID_ARGUMENT', 'extensionsUsed must be a whole number >= 0');
  }
  if (!extension.allowed) {
    return refuse('EXTENSION.NOT_ALLOWED', `${rule.name} allows no extension for '${input.type}' requests`);
  }
  if (extension.maxExtensions !== null && input.extensionsUsed >= extension.maxExtensions) {
    return refuse('EXTENSION.LIMIT_REACHED', `${rule.name} allows ${extension.maxExtensions} extension(s); already used`);
  }
  const startOn = clockStartOn(regime, input.receivedAt, input.pausedDays ?? 0);
  // The notice deadline is the ORIGINAL initial period, whatever currentDueAt says.
  const initialDueOn = periodEnd(regime, startOn, typeRule.response);
  if (extension.noticeWithinInitialPeriod && requestedAt.getTime() > endOfLocalDay(initialDueOn, timeZone).getTime()) {
    return refuse(
      'EXTENSION.AFTER_DUE_DATE',
      `The extension notice had to be given by the end of ${initialDueOn} (${timeZone}), the initial due date`,
    );
  }
  const dueOn = periodEnd(regime, startOn, extension.maxTotal);
  const dueAt = endOfLocalDay(dueOn, timeZone);
  if (dueAt.getTime() <= currentDueAt.getTime()) {
    return refuse('EXTENSION.LIMIT_REACHED', `The maximum total period already ends on ${dueOn}; nothing left to extend`);
  }
  return { ok: true, dueOn, dueAt };
}

/**
 * Due date after the clock stood still for `pausedDays` (UK GDPR: waiting for ID, clarification or a fee).
 * Reading of the ICO guidance: the period then runs from the day the missing item arrived, so the date is computed
 * as if receipt happened `pausedDays` calendar days later, with the same month-end and roll-forward rules.
 * A regime without stop-the-clock ignores the pause: a CCPA deadline never moves.
 */
export function applyClockStop(input: ClockStopInput): DueDate {
  const regime = resolveRegime(input);
  const { typeRule, timeZone } = regime;
  const startOn = clockStartOn(regime, input.receivedAt, input.pausedDays);
  let period = typeRule.response;
  if (input.extended) {
    if (!typeRule.extension.allowed) {
      throw new DomainError('EXTENSION.NOT_ALLOWED', `${regime.rule.name} allows no extension for '${input.type}' requests`);
    }
    period = typeRule.extension.maxTotal;
  }
  const dueOn = periodEnd(regime, startOn, period);
  return { dueOn, dueAt: endOfLocalDay(dueOn, timeZone) };
}

export interface AppealDeadlines {
  readonly receivedOn: IsoDate;
  /** The decision on the appeal, with its reasons, is due by the end of this day. */
  readonly dueOn: IsoDate;
  readonly dueAt: Date;
  /** With the act's extension (Colorado, Minnesota: +60 days, noticed inside the first period); null where none. */
  readonly maxDueOn: IsoDate | null;
  readonly maxDueAt: Date | null;
  readonly attorneyGeneralNotice: boolean;
  readonly source: string;
}

/**
 * The decision deadline of a consumer's appeal received at `appealReceivedAt`, counted like the regime's other
 * periods (its zone, calendar and roll-forward rule); null where the regime grants no appeal to the controller.
 */
export function appealDeadlines(input: { regulation: RegulationCode; appealReceivedAt: Date; calendar?: HolidayCalendar }): AppealDeadlines | null {
  const rule = regulationRule(input.regulation);
  const appeal = rule.appeal;
  if (appeal === null) return null;
  const regime = resolveRegime({ regulation: input.regulation, type: rule.allowedTypes[0]!, receivedAt: input.appealReceivedAt, calendar: input.calendar });
  const receivedOn = localDateOf(checkedInstant(input.appealReceivedAt, 'appealReceivedAt'), regime.timeZone);
  const dueOn = periodEnd(regime, receivedOn, appeal.decisionWithin);
  const maxDueOn = appeal.extension === null ? null : periodEnd(regime, receivedOn, appeal.extension.maxTotal);
  return {
    receivedOn,
    dueOn,
    dueAt: endOfLocalDay(dueOn, regime.timeZone),
    maxDueOn,
    maxDueAt: maxDueOn === null ? null : endOfLocalDay(maxDueOn, regime.timeZone),
    attorneyGeneralNotice: appeal.attorneyGeneralNotice,
    source: appeal.source,
  };
}

/**
 * Reminder instants `daysBefore` x 24 hours before dueAt, earliest first, duplicates dropped.
 * Exact 24-hour steps are good enough for a nudge, even across a DST change.
 */
export function reminderInstants(dueAt: Date, daysBefore: readonly number[]): Date[] {
  const due = checkedInstant(dueAt, 'dueAt').getTime();
  for (const offset of daysBefore) {
    if (!Number.isFinite(offset) || offset <= 0) {
      throw new DomainError('REMINDER.INVALID_OFFSET', 'A reminder must come a positive number of days before the due date');
    }
  }
  return [...new Set(daysBefore)].sort((a, b) => b - a).map((offset) => new Date(due - offset * DAY_MS));
}

function resolveRegime(input: DeadlineInput): Regime {
  const rule = regulationRule(input.regulation);
  const typeRule = typeRuleFor(rule.code, input.type);
  const calendar = input.calendar === undefined ? legacyCalendar(rule.calendarId) : checkedCalendar(input.calendar);
  if (calendar.id === rule.calendarId) return { rule, typeRule, calendar, timeZone: rule.timeZone };
  if (!rule.selectableCalendars.includes(calendar.id)) {
    throw new DomainError(
      'REGULATION.CALENDAR_NOT_ALLOWED',
      `${rule.name} cannot use calendar '${calendar.id}'; allowed: ${[rule.calendarId, ...rule.selectableCalendars].join(', ')}`,
    );
  }
  // A chosen calendar brings its own zone: a request to a controller in Warsaw is received on Warsaw's date.
  return { rule, typeRule, calendar, timeZone: CALENDARS[calendar.id].timeZone };
}

/** The local date the period runs from: receipt, moved by the pause only where the regime stops the clock. */
function clockStartOn(regime: Regime, receivedAt: Date, pausedDays: number): IsoDate {
  if (!Number.isSafeInteger(pausedDays) || pausedDays < 0) {
    throw new DomainError('CLOCK.INVALID_PAUSE', `pausedDays must be a whole number >= 0, got ${pausedDays}`);
  }
  const receivedOn = localDateOf(checkedInstant(receivedAt, 'receivedAt'), regime.timeZone);
  return regime.rule.stopTheClock ? addCalendarDays(receivedOn, pausedDays) : receivedOn;
}

/** Period end with the regime's roll-forward rule (a business-day count always ends on a working day). */
function periodEnd(regime: Regime, startOn: IsoDate, period: Period): IsoDate {
  const end = addPeriod(regime.calendar, startOn, period);
  return regime.rule.rollForward && period.unit !== 'businessDays' ? nextWorkingDay(regime.calendar, end) : end;
}

function addPeriod(calendar: HolidayCalendar, startOn: IsoDate, period: Period): IsoDate {
  switch (period.unit) {
    case 'calendarMonths':
      return addCalendarMonths(startOn, period.amount);
    case 'calendarDays':
      return addCalendarDays(startOn, period.amount);
    case 'businessDays':
      return addBusinessDays(calendar, startOn, period.amount);
  }
}

const refuse = (code: string, reason: string): ExtensionPlan => ({ ok: false, code, reason });
