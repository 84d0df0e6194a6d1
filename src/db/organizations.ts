// Organization settings that the law reads: where the controller is established (its holiday calendar).

import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { CALENDAR_IDS, type CalendarId } from '../domain/calendars.ts';
import { DomainError } from '../domain/errors.ts';
import { ensureOrganization } from './tokens.ts';

/** The calendar of the place where the organization's controller is established; null when never set. */
export async function establishmentCalendar(db: CommonQueryMethods, organizationId: string): Promise<CalendarId | null> {
  const found = await db.maybeOneFirst(sql.type(z.object({ establishment_calendar: z.enum(CALENDAR_IDS).nullable() }))`
    select establishment_calendar from dsrflow.organizations where id = ${organizationId}`);
  return found ?? null;
}

/** Sets (or clears, with null) where the organization is established; creates the organization if needed. */
export async function setEstablishmentCalendar(db: CommonQueryMethods, organizationId: string, calendarId: CalendarId | null): Promise<void> {
  if (calendarId !== null && !(CALENDAR_IDS as readonly string[]).includes(calendarId)) {
    throw new DomainError('CALENDAR.UNKNOWN', `Unknown calendar '${calendarId}'; known: ${CALENDAR_IDS.join(', ')}`);
  }
  await ensureOrganization(db, organizationId);
  await db.query(sql.unsafe`update dsrflow.organizations set establishment_calendar = ${calendarId} where id = ${organizationId}`);
}
