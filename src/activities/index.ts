import type { DatabasePool } from 'slonik';
import type { Logger } from '../platform/logger.ts';
import type { Mailer } from '../platform/mailer.ts';
import { createNotificationActivities } from './notifications.ts';
import { createTransitionActivities } from './transitions.ts';

export interface ActivityDeps {
  pool: DatabasePool;
  mailer: Mailer;
  logger: Logger;
  /** Base URL for links in emails to the subject. */
  publicUrl: string;
  /** Where reminders and escalations for the privacy team go. */
  staffEmail: string;
}

/** Every side effect the workflows may ask for, closing over injected dependencies (tests pass real test servers). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createTransitionActivities(deps),
    ...createNotificationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
