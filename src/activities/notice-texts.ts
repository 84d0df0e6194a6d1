import type { RequestRow } from '../db/requests.ts';
import { appealRuleFor } from '../domain/appeals.ts';
import { authorityFor } from '../domain/authorities.ts';

// What the subject reads. Plain words; the request id lets them refer to it; nothing beyond what they gave us.

export const NOTICE_KINDS = ['acknowledgement', 'unverified', 'rejected', 'completed', 'cancelled', 'extension'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

const day = (iso: string | null) => (iso ?? '').slice(0, 10);

const REASONS: Record<string, string> = {
  identity_not_verified: 'we could not confirm your identity',
  manifestly_unfounded: 'the request is manifestly unfounded',
  excessive: 'the request is excessive, in particular because it repeats earlier requests',
  legal_exception: 'the law requires or allows us to keep or withhold this data',
  not_a_customer: 'we hold no account or data matching the details you gave',
  other: 'of the reasons given below',
  complexity: 'your request is complex',
  number_of_requests: 'we are handling a high number of requests',
  format_conversion: 'the data has to be converted into a format you can use',
};

export interface NoticeFacts {
  request: RequestRow;
  reason?: string | undefined;
  note?: string | null | undefined;
  link?: string | undefined;
}

const withNote = (note?: string | null) => (note ? `\n${note}\n` : '');

export const NOTICES: Record<NoticeKind, (f: NoticeFacts) => { subject: string; text: string }> = {
  acknowledgement: ({ request: r }) => ({
    subject: `We received your ${r.type} request (${r.id})`,
    text: `We received your ${r.type} request on ${day(r.received_at)} under ${r.regulation}.\nWe will respond by ${day(r.due_at)} at the latest.\n\nRequest reference: ${r.id}\n`,
  }),
  unverified: ({ request: r }) => ({
    subject: `Your request ${r.id} was closed: identity not confirmed`,
    text: `We could not confirm your identity in time, so we closed request ${r.id}.\nYou are welcome to submit a new request.\n`,
  }),
  rejected: ({ request: r, reason, note, link }) => ({
    subject: `Your request ${r.id} could not be fulfilled`,
    text: `We cannot fulfil request ${r.id} because ${REASONS[reason ?? 'other'] ?? REASONS.other}.\n${withNote(note)}\n${rightsAfterRefusal(r, link)}`,
  }),
  completed: ({ request: r, note, link }) => ({
    subject: `Your ${r.type} request ${r.id} is complete`,
    text: `We have completed your ${r.type} request ${r.id}.\n${withNote(note)}${link ? `\nWe did not do everything you asked (the reasons are above). ${appealSentence(r, link)}\n` : ''}`,
  }),
  cancelled: ({ request: r }) =>
    // Merged by staff as a duplicate (api/subjects/duplicates): the notice names the open request that answers it.
    r.duplicate_decision === 'merged' && r.duplicate_of
      ? {
          subject: `Your request ${r.id} is answered by your open request ${r.duplicate_of}`,
          text: `You made request ${r.id} while your earlier ${r.type} request ${r.duplicate_of} was still open.\nWe will answer both in request ${r.duplicate_of}, so we closed ${r.id} as a duplicate.\nIf you meant something different, reply to this email.\n`,
        }
      : {
          subject: `Your request ${r.id} was cancelled`,
          text: `Request ${r.id} was cancelled. If you did not ask for this, reply to this email.\n`,
        },
  extension: ({ request: r, reason, note }) => ({
    subject: `We need more time for your request ${r.id}`,
    text: `We are extending the time to respond to request ${r.id} because ${REASONS[reason ?? 'other'] ?? REASONS.other}.\nWe will respond by ${day(r.extended_due_at ?? r.due_at)} at the latest.\n${withNote(note)}`,
  }),
};

/** Where the law grants an appeal (US states), how to file it; the authority's contact for every regime. */
function rightsAfterRefusal(r: RequestRow, link: string | undefined): string {
  const appeal = appealRuleFor(r.regulation) ? `${appealSentence(r, link)}\n` : '';
  const authority = authorityFor(r.regulation);
  const judicial = authority.role === 'supervisory_authority' ? ' You also have the right to seek a judicial remedy.' : '';
  return `${appeal}${authority.howToComplain}${judicial}\n`;
}

function appealSentence(r: RequestRow, link: string | undefined): string {
  const rule = appealRuleFor(r.regulation);
  if (!rule) return '';
  const how = link ? `open ${link} and tell us why you disagree` : `reply to this email saying that you appeal, with request reference ${r.id}`;
  return `You may appeal this decision (${rule.source}): ${how}. We decide appeals within ${rule.decisionWithin.amount} days.`;
}
