// Shared by the deadline tests: short ways to ask for a due date or an extension plan.

import { computeDeadlines, planExtension, type ExtensionPlan } from '../support/deadlines.ts';
import type { RegulationCode } from '../../src/domain/regulations.ts';
import type { RequestType } from '../../src/domain/request.ts';

export const codeOf = (code: string) => (error: unknown) => (error as { code?: string }).code === code;
export const at = (iso: string): Date => new Date(iso);

// Receipt at midday UTC lands on the same local date in every regime's zone.
export const dueOn = (regulation: RegulationCode, receivedOn: string, calendarId?: string, type: RequestType = 'access') =>
  computeDeadlines({ regulation, type, receivedAt: at(`${receivedOn}T12:00:00Z`), calendarId }).dueOn;

export function extend(
  regulation: RegulationCode,
  receivedAt: string,
  requestedAt: string,
  options: { type?: RequestType; extensionsUsed?: number; currentDueAt?: Date; pausedDays?: number } = {},
): ExtensionPlan {
  const type = options.type ?? 'access';
  const initial = computeDeadlines({ regulation, type, receivedAt: at(receivedAt) });
  return planExtension({
    regulation,
    type,
    receivedAt: at(receivedAt),
    currentDueAt: options.currentDueAt ?? initial.dueAt,
    extensionsUsed: options.extensionsUsed ?? 0,
    requestedAt: at(requestedAt),
    pausedDays: options.pausedDays,
  });
}

