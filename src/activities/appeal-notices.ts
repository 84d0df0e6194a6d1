import type { AppealRow } from '../db/appeals.ts';
import type { RequestRow } from '../db/requests.ts';
import { appealRuleFor } from '../domain/appeals.ts';
import { authorityFor } from '../domain/authorities.ts';

// What the consumer reads about their appeal: plain words, the request id, the law's own duties (a written decision
// with reasons; when denied, how to reach the Attorney General: Va. Code 59.1-577(C), C.R.S. 6-1-1306(3), ...).

export type AppealNoticeKind = 'received' | 'granted' | 'denied';

const day = (iso: string) => iso.slice(0, 10);

export function appealNotice(kind: AppealNoticeKind, f: { appeal: AppealRow; request: RequestRow; reasons: string | null }) {
  const { appeal: a, request: r } = f;
  const reasons = f.reasons ? `\nOur reasons:\n${f.reasons}\n` : '';
  switch (kind) {
    case 'received':
      return {
        subject: `We received your appeal of request ${r.id}`,
        text: `We received your appeal of our decision on your ${r.type} request ${r.id} on ${day(a.received_at)}.\nWe will review it and tell you the outcome and our reasons in writing by ${day(a.due_at)} at the latest (${appealRuleFor(r.regulation)?.source ?? r.regulation}).\n\nAppeal reference: ${a.id}\n`,
      };
    case 'granted':
      return {
        subject: `Your appeal of request ${r.id} was granted`,
        text: `We reviewed your appeal of request ${r.id} and reversed our decision.\n${reasons}\nThe action we take is described above; we will write to you again when it is done.\n\nAppeal reference: ${a.id}\n`,
      };
    case 'denied': {
      const authority = authorityFor(r.regulation);
      return {
        subject: `Your appeal of request ${r.id} was denied`,
        text:
          `We reviewed your appeal of request ${r.id} and upheld our decision.\n${reasons}\n` +
          `If you have concerns about the result of your appeal, you may contact ${authority.name}.\n${authority.howToComplain}\n\nAppeal reference: ${a.id}\n`,
      };
    }
  }
}
