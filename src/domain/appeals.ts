// Consumer appeals (US state laws): which regimes grant one, the decision deadline, and when an appeal may be filed
// and decided. Pure: the API, the appeal workflow's validator and the tests ask these functions (docs/appeals.md).

import type { Verdict } from './actions.ts';
import { addCalendarDays, checkedInstant, endOfLocalDay, localDateOf, type IsoDate } from './dates.ts';
import { regulationRule, type AppealRule, type Period, type RegulationCode } from './regulations.ts';
import type { RequestStatus } from './request.ts';

export type { AppealRule };

/**
 * How long after the refusal an appeal may be filed, where a law sets it. None of the acts does ("within a reasonable
 * period of time after the consumer's receipt of the decision"): we take an appeal at any time rather than invent a
 * cut-off. A law that sets one goes here, and a late appeal is then refused with APPEAL.WINDOW_CLOSED.
 */
export const APPEAL_FILING_WINDOWS: Readonly<Partial<Record<RegulationCode, Period>>> = {};

/** The regime's appeal (the `appeal` field of its row), or null where the law grants none. */
export const appealRuleFor = (regulation: string): AppealRule | null => regulationRule(regulation).appeal;

export const APPEAL_STATUSES = ['received', 'granted', 'denied'] as const;
export type AppealStatus = (typeof APPEAL_STATUSES)[number];

export const APPEAL_DECISIONS = ['granted', 'denied'] as const;
export type AppealDecisionOutcome = (typeof APPEAL_DECISIONS)[number];

/** Staff's decision: the written reasons the law asks for are a note in PostgreSQL, carried here by id. */
export interface AppealDecision {
  decision: AppealDecisionOutcome;
  noteId: string;
  actor: string;
}

/**
 * The decision's due date: calendar days from the appeal's receipt in the regime's time zone (no roll-forward);
 * `extended`, the latest date the regime's extension allows (its maxTotal from receipt, counted the same way).
 */
export function appealDeadline(regulation: string, receivedAt: Date, opts: { extended?: boolean } = {}): { receivedOn: IsoDate; dueOn: IsoDate; dueAt: Date } {
  const rule = appealRuleFor(regulation);
  if (!rule) throw new Error(`${regulation} grants no appeal`);
  if (opts.extended && !rule.extension) throw new Error(`${regulation} allows no appeal extension`);
  const { timeZone } = regulationRule(regulation);
  const receivedOn = localDateOf(checkedInstant(receivedAt, 'receivedAt'), timeZone);
  const dueOn = addCalendarDays(receivedOn, opts.extended ? rule.extension!.maxTotal.amount : rule.decisionWithin.amount);
  return { receivedOn, dueOn, dueAt: endOfLocalDay(dueOn, timeZone) };
}

/** What decides whether a request's outcome may be appealed now. */
export interface AppealableFacts {
  regulation: string;
  status: RequestStatus;
  /** Completed, but not as asked: approved with legal exceptions, or an erasure that kept rows. */
  partial: boolean;
  /** When the refusal or the partial answer was given (the request closed). */
  decidedAt: Date | null;
  now: Date;
  alreadyAppealed: boolean;
}

const refuse = (code: string, reason: string): Verdict => ({ ok: false, code, reason });

export function checkAppealable(f: AppealableFacts): Verdict {
  const rule = appealRuleFor(f.regulation);
  const name = regulationRule(f.regulation).name;
  if (!rule) return refuse('APPEAL.NOT_GRANTED', `${name} grants no appeal to the controller; the consumer may complain to the authority instead`);
  if (f.alreadyAppealed) return refuse('APPEAL.ALREADY_FILED', 'This request has already been appealed; one appeal per decision');
  const refused = f.status === 'rejected';
  const partial = f.status === 'completed' && f.partial;
  if (!refused && !partial) {
    return refuse('APPEAL.NOT_APPEALABLE', `Only a refusal or a partial answer can be appealed (the request is ${f.status}${f.status === 'completed' ? ', answered in full' : ''})`);
  }
  const filingWindow = APPEAL_FILING_WINDOWS[f.regulation as RegulationCode];
  if (filingWindow && f.decidedAt) {
    const closesOn = addCalendarDays(localDateOf(f.decidedAt, regulationRule(f.regulation).timeZone), filingWindow.amount);
    if (f.now.getTime() > endOfLocalDay(closesOn, regulationRule(f.regulation).timeZone).getTime()) {
      return refuse('APPEAL.WINDOW_CLOSED', `${name} allows an appeal until ${closesOn}; it is past that date`);
    }
  }
  return { ok: true };
}

/** Validates a decision against the appeal's live status: once, by a named actor, with reasons (a note). */
export function checkAppealDecision(status: AppealStatus, d: unknown): Verdict {
  if (typeof d !== 'object' || d === null) return refuse('ACTION.MALFORMED', 'Malformed appeal decision: {decision: granted|denied, noteId, actor}');
  const r = d as Record<string, unknown>;
  const isActor = typeof r.actor === 'string' && r.actor.length > 0 && r.actor.length <= 200;
  if (!isActor || !(APPEAL_DECISIONS as readonly unknown[]).includes(r.decision)) return refuse('ACTION.MALFORMED', 'Malformed appeal decision: {decision: granted|denied, noteId, actor}');
  if (typeof r.noteId !== 'string' || !/^[0-9a-f-]{36}$/.test(r.noteId)) return refuse('APPEAL.REASONS_REQUIRED', 'An appeal decision needs its written reasons');
  if (status !== 'received') return refuse('APPEAL.DECIDED', `The appeal was already ${status}`);
  return { ok: true };
}

/** Staff's extension of the decision deadline: the reasons for the delay (told to the consumer) are a note, carried by id. */
export interface AppealExtension {
  noteId: string;
  actor: string;
}

/** What decides whether an appeal's decision deadline may be extended now. */
export interface AppealExtensionFacts {
  regulation: string;
  status: AppealStatus;
  receivedAt: string | Date;
  extended: boolean;
}

export type AppealExtensionVerdict = { ok: true; dueAt: Date } | { ok: false; code: string; reason: string };

/**
 * Whether the appeal's decision deadline may be extended now, and to when: only where the regime's rule allows it
 * (C.R.S. 6-1-1306(3), Minn. Stat. 325M.14), once, while undecided, and before the initial deadline, since the
 * consumer must be told inside the initial period. The new date is receipt + maxTotal, counted as appealDeadline is.
 */
export function appealExtensionVerdict(appeal: AppealExtensionFacts, rule: AppealRule | null, now: Date): AppealExtensionVerdict {
  const name = regulationRule(appeal.regulation).name;
  if (!rule?.extension) return { ok: false, code: 'APPEAL.EXTENSION_NOT_GRANTED', reason: `${name} allows no extension of the appeal's decision deadline${rule ? ` (${rule.source})` : ''}` };
  if (appeal.status !== 'received') return { ok: false, code: 'APPEAL.DECIDED', reason: `The appeal was already ${appeal.status}` };
  if (appeal.extended) return { ok: false, code: 'APPEAL.ALREADY_EXTENDED', reason: `The decision deadline was already extended; ${rule.source} allows one extension` };
  const initial = appealDeadline(appeal.regulation, new Date(appeal.receivedAt));
  if (now.getTime() > initial.dueAt.getTime()) {
    return { ok: false, code: 'APPEAL.EXTENSION_TOO_LATE', reason: `${rule.source} requires the extension to be notified within ${rule.decisionWithin.amount} days of the appeal (by ${initial.dueOn}); that period has ended` };
  }
  return { ok: true, dueAt: appealDeadline(appeal.regulation, new Date(appeal.receivedAt), { extended: true }).dueAt };
}

/** The extension Update's validator: a well-formed request with the reasons for the delay, then the appeal's facts. */
export function checkAppealExtension(appeal: AppealExtensionFacts, rule: AppealRule | null, now: Date, request: unknown): AppealExtensionVerdict {
  const malformed = { ok: false, code: 'ACTION.MALFORMED', reason: 'Malformed appeal extension: {noteId, actor}' } as const;
  if (typeof request !== 'object' || request === null) return malformed;
  const r = request as Record<string, unknown>;
  if (typeof r.actor !== 'string' || r.actor.length === 0 || r.actor.length > 200) return malformed;
  if (typeof r.noteId !== 'string' || !/^[0-9a-f-]{36}$/.test(r.noteId)) return { ok: false, code: 'APPEAL.REASONS_REQUIRED', reason: 'An extension needs the reasons for the delay, which the consumer is told' };
  return appealExtensionVerdict(appeal, rule, now);
}
