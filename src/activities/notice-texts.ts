import type { RequestRow } from '../db/requests.ts';
import { appealRuleFor } from '../domain/appeals.ts';
import { authorityFor } from '../domain/authorities.ts';
import { complaintSentence, subjectDate, subjectMessages } from './subject-mail.ts';

// What the subject reads, in the language stored with their request (src/locales). Plain words; the request id lets
// them refer to it; nothing beyond what they gave us.

export const NOTICE_KINDS = ['acknowledgement', 'unverified', 'rejected', 'completed', 'cancelled', 'extension', 'identity_document'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface NoticeFacts {
  request: RequestRow;
  reason?: string | undefined;
  note?: string | null | undefined;
  link?: string | undefined;
}

const reasonIn = (f: NoticeFacts) => {
  const { reasons } = subjectMessages(f.request).email;
  return reasons[f.reason ?? 'other'] ?? reasons.other!;
};
// Staff's note to the subject, introduced in the subject's language (the note itself is as staff wrote it).
const withNote = (f: NoticeFacts) => (f.note ? `\n\n${subjectMessages(f.request).email.note}\n${f.note}` : '');

export const NOTICES: Record<NoticeKind, (f: NoticeFacts) => { subject: string; text: string }> = {
  acknowledgement: ({ request: r }) => {
    const t = subjectMessages(r);
    const kind = t.typeInText[r.type];
    return { subject: t.email.acknowledgementSubject(kind, r.id), text: `${t.email.acknowledgementText(kind, subjectDate(r, r.received_at), r.regulation, subjectDate(r, r.due_at))}\n` };
  },
  unverified: ({ request: r }) => {
    const t = subjectMessages(r);
    return { subject: t.email.unverifiedSubject(r.id), text: `${t.email.unverifiedText(r.id)}\n` };
  },
  rejected: (f) => {
    const t = subjectMessages(f.request);
    return { subject: t.email.rejectedSubject(f.request.id), text: `${t.email.rejectedText(f.request.id, reasonIn(f))}${withNote(f)}\n\n${rightsAfterRefusal(f.request, f.link)}` };
  },
  completed: (f) => {
    const t = subjectMessages(f.request);
    const kind = t.typeInText[f.request.type];
    const appeal = f.link ? `\n\n${t.email.partialAnswer} ${appealSentence(f.request, f.link)}` : '';
    return { subject: t.email.completedSubject(kind, f.request.id), text: `${t.email.completedText(kind, f.request.id)}${withNote(f)}${appeal}\n` };
  },
  cancelled: ({ request: r }) => {
    const t = subjectMessages(r);
    // Merged by staff as a duplicate (api/subjects/duplicates): the notice names the open request that answers it.
    return r.duplicate_decision === 'merged' && r.duplicate_of
      ? { subject: t.email.mergedSubject(r.id, r.duplicate_of), text: `${t.email.mergedText(r.id, r.duplicate_of, t.typeInText[r.type])}\n` }
      : { subject: t.email.cancelledSubject(r.id), text: `${t.email.cancelledText(r.id)}\n` };
  },
  // Staff asked for an identity document (console): the upload is on the status page, linked in the footer.
  identity_document: ({ request: r }) => {
    const t = subjectMessages(r);
    return { subject: t.email.identityDocumentSubject(r.id), text: `${t.email.identityDocumentText(r.id)}\n` };
  },
  extension: (f) => {
    const t = subjectMessages(f.request);
    return { subject: t.email.extensionSubject(f.request.id), text: `${t.email.extensionText(f.request.id, reasonIn(f), subjectDate(f.request, f.request.extended_due_at ?? f.request.due_at))}${withNote(f)}\n` };
  },
};

// The appeal (US states) and the authority's contact come from the law's tables (src/domain/appeals.ts,
// authorities.ts), in the subject's language (src/locales): the statute and the authority's name as the law writes
// them, English keeping the table's own sentence.

/** Where the law grants an appeal (US states), how to file it; the authority's contact for every regime. */
function rightsAfterRefusal(r: RequestRow, link: string | undefined): string {
  const t = subjectMessages(r).email;
  const appeal = appealRuleFor(r.regulation) ? `${appealSentence(r, link)}\n` : '';
  const judicial = authorityFor(r.regulation).role === 'supervisory_authority' ? ` ${t.judicialRemedy}` : '';
  return `${appeal}${complaintSentence(r)}${judicial}\n`;
}

function appealSentence(r: RequestRow, link: string | undefined): string {
  const rule = appealRuleFor(r.regulation);
  if (!rule) return '';
  const t = subjectMessages(r).email;
  return t.appeal(rule.source, link ? t.appealByLink(link) : t.appealByReply(r.id), rule.decisionWithin.amount);
}
