// The deadline engine as intake uses it: a computation that names no calendar gets the one intake would make (the
// request's choice by id, else the regulation's own) from the holiday library. Tests read dates the way a request
// counts them, without building calendars by hand.

import type { CalendarId } from '../../src/domain/calendars.ts';
import { localDateOf } from '../../src/domain/dates.ts';
import * as engine from '../../src/domain/deadlines.ts';
import type { HolidayCalendar } from '../../src/domain/holidays.ts';
import { calendarForRequest } from '../../src/platform/holiday-calendars.ts';

export { chooseCalendar, reminderInstants, type DeadlineInput, type Deadlines, type ExtensionPlan } from '../../src/domain/deadlines.ts';

type ByCalendarId<T> = Omit<T, 'calendar'> & { calendarId?: string | undefined; calendar?: HolidayCalendar | undefined };

/** The calendar intake would make for this input; the input unchanged where that fails (the engine then reports it). */
export function withCalendar<T extends ByCalendarId<engine.DeadlineInput>>(input: T): Omit<T, 'calendarId'> & { calendar?: HolidayCalendar | undefined } {
  const { calendarId, ...rest } = input;
  if (rest.calendar !== undefined) return rest;
  const { calendarId: id, timeZone } = engine.chooseCalendar(rest.regulation, { requested: calendarId as CalendarId | undefined });
  const received = rest.receivedAt instanceof Date && !Number.isNaN(rest.receivedAt.getTime()) ? rest.receivedAt : null;
  return received === null ? rest : { ...rest, calendar: calendarForRequest(id, localDateOf(received, timeZone)) };
}

export const computeDeadlines = (input: ByCalendarId<engine.DeadlineInput>) => engine.computeDeadlines(withCalendar(input));
export const planExtension = (input: ByCalendarId<engine.ExtensionInput>) => engine.planExtension(withCalendar(input));
export const applyClockStop = (input: ByCalendarId<engine.ClockStopInput>) => engine.applyClockStop(withCalendar(input));

/** The appeal deadline with the regime's own calendar, as the appeal intake would make it. */
export function appealDeadlines(input: { regulation: engine.DeadlineInput['regulation']; appealReceivedAt: Date }) {
  const { calendarId, timeZone } = engine.chooseCalendar(input.regulation, {});
  return engine.appealDeadlines({ ...input, calendar: calendarForRequest(calendarId, localDateOf(input.appealReceivedAt, timeZone)) });
}
