import type { AppealRow } from '../db/appeals.ts';
import type { RequestRow } from '../db/requests.ts';
import { appealRuleFor } from '../domain/appeals.ts';
import { authorityFor } from '../domain/authorities.ts';
import { complaintSentence, subjectDate, subjectMessages } from './subject-mail.ts';

// What the consumer reads about their appeal, in the language of their request: plain words, the request id, the law's own duties (a written decision
// with reasons; an extension with the new date and the reasons for the delay; when denied, how to reach the Attorney
// General: Va. Code 59.1-577(C), C.R.S. 6-1-1306(3), ...).

export type AppealNoticeKind = 'received' | 'extended' | 'granted' | 'denied';

export function appealNotice(kind: AppealNoticeKind, f: { appeal: AppealRow; request: RequestRow; reasons: string | null }) {
  const { appeal: a, request: r } = f;
  const t = subjectMessages(r).email;
  const reasons = f.reasons ? `\n${t.appealReasons}\n${f.reasons}\n` : '';
  const reference = `\n\n${t.appealReference(a.id)}\n`;
  switch (kind) {
    case 'received': {
      const source = appealRuleFor(r.regulation)?.source ?? r.regulation;
      return {
        subject: t.appealReceivedSubject(r.id),
        text: `${t.appealReceivedText(subjectMessages(r).typeInText[r.type], r.id, subjectDate(r, a.received_at), subjectDate(r, a.due_at), source)}${reference}`,
      };
    }
    case 'extended': {
      const source = appealRuleFor(r.regulation)?.source ?? r.regulation;
      const why = f.reasons ? `\n${t.appealExtensionReasons}\n${f.reasons}\n` : '';
      return { subject: t.appealExtendedSubject(r.id), text: `${t.appealExtendedText(r.id, subjectDate(r, a.due_at), source)}\n${why}${reference}` };
    }
    case 'granted':
      return { subject: t.appealGrantedSubject(r.id), text: `${t.appealGrantedText(r.id)}\n${reasons}\n${t.appealGrantedNext}${reference}` };
    case 'denied': {
      const concerns = t.appealConcerns(authorityFor(r.regulation).name);
      return { subject: t.appealDeniedSubject(r.id), text: `${t.appealDeniedText(r.id)}\n${reasons}\n${concerns}\n${complaintSentence(r)}${reference}` };
    }
  }
}
