import type { MigrationBuilder } from 'node-pg-migrate';
import { CALENDAR_IDS } from '../../domain/calendars.ts';
import { REGULATION_CODES } from '../../domain/regulations.ts';

// The check constraints are derived from src/domain, the one source of truth for these vocabularies.
const oneOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

// The new regimes (docs/deadlines.md); where each organization's controller is established (the holiday calendar its
// GDPR, UK or Canadian deadlines count with); and the calendar each request was opened with, stored whole so that a
// library upgrade never moves the dates of a request already open. Null for earlier requests: they count as before.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    alter table dsrflow.requests drop constraint if exists requests_regulation_check;
    alter table dsrflow.requests add constraint requests_regulation_check check (regulation in (${oneOf(REGULATION_CODES)}));
    alter table dsrflow.organizations add column establishment_calendar text check (establishment_calendar in (${oneOf(CALENDAR_IDS)}));
    alter table dsrflow.requests add column holiday_calendar jsonb
      check (holiday_calendar is null or (jsonb_typeof(holiday_calendar) = 'object' and holiday_calendar ? 'id' and holiday_calendar ? 'holidays'));
  `);
};
