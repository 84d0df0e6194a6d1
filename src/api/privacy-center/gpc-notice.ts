import { html } from 'hono/html';
import { recordEvent } from '../../db/audit.ts';
import { gpcHeaderSignals, gpcIsOptOut } from '../../domain/gpc.ts';
import { REGULATIONS } from '../../domain/regulations.ts';
import { regulationFor } from '../../domain/residence.ts';
import { messagesFor } from '../../locales/index.ts';
import type { Html } from './layout.ts';
import type { FormSlotContext } from './slot-context.ts';

// Global Privacy Control on the form (docs/privacy-center.md "Global Privacy Control"): a browser sending Sec-GPC: 1
// is offered the opt-out of sale/sharing where the person's law makes the signal binding; on the opt-out form itself
// the signal is the request, which needs only an email address to reach the person's account.

const signalled = (s: FormSlotContext) => {
  const regulation = regulationFor(s.residence);
  return regulation && gpcHeaderSignals(s.c.req.header('sec-gpc')) && gpcIsOptOut(regulation) ? regulation : null;
};

export function gpcNotice(s: FormSlotContext): Html | '' {
  const regulation = signalled(s);
  if (!regulation) return '';
  const t = messagesFor(s.locale).extras;
  const law = REGULATIONS[regulation].name;
  if (s.type === 'noSale') return html`<div class="notice gpc" role="status"><h2>${t.gpcHeading}</h2><p>${t.gpcThisForm(law)}</p></div>`;
  const r = s.residence;
  const href = `/privacy/${s.organizationId}?lang=${s.locale}&country=${r.country}${r.region ? `&region=${r.country}-${r.region}` : ''}&type=noSale`;
  return html`<div class="notice gpc" role="status"><h2>${t.gpcHeading}</h2><p>${t.gpcOptOut(law)}</p><p><a class="button" href="${href}">${t.gpcLink}</a></p></div>`;
}

/** The opt-out sent with the browser's signal on: the trail says the signal was honoured, and from where. */
export async function recordBrowserSignal(s: FormSlotContext & { requestId: string }): Promise<void> {
  const regulation = signalled(s);
  if (!regulation || s.type !== 'noSale') return;
  await recordEvent(s.deps.pool, {
    requestId: s.requestId,
    eventKey: `request/${s.requestId}/gpc`,
    action: 'gpc.received',
    actor: 'subject',
    reason: "Global Privacy Control signal (the person's browser) honoured as an opt-out of sale/sharing",
    details: { via: 'browser', regulation },
  });
}
