import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appealNotice } from '../../src/activities/appeal-notices.ts';
import { NOTICES } from '../../src/activities/notice-texts.ts';
import type { AppealRow } from '../../src/db/appeals.ts';
import type { RequestRow } from '../../src/db/requests.ts';
import { appealRuleFor } from '../../src/domain/appeals.ts';
import { REGULATION_CODES } from '../../src/domain/regulations.ts';

// A refusal tells the subject, in the language of their request, how to appeal (where the law grants it) and where
// to complain: the law tables are in English, their sentences are drawn in each language.

const request = (regulation: string, locale: string) =>
  ({
    id: '0b7d4a8e-5a4c-4d53-9a38-7f1f6d1a2b3c',
    type: 'access',
    regulation,
    locale,
    received_at: '2026-11-02T10:00:00.000Z',
    due_at: '2026-12-02T22:59:59.999Z',
    extended_due_at: null,
  }) as unknown as RequestRow;

const ENGLISH = /\b(You may|You have the right|We decide appeals|reply to this email|We did not do everything)\b/;

describe('refusal notices in the subject’s language', () => {
  for (const locale of ['de', 'fr', 'es']) {
    test(`${locale}: every regime's refusal, and a partial answer with an appeal link, carry no English sentence`, () => {
      for (const regulation of REGULATION_CODES) {
        const rejected = NOTICES.rejected({ request: request(regulation, locale), reason: 'other' });
        assert.doesNotMatch(rejected.text, ENGLISH, `${regulation} rejected`);
        if (appealRuleFor(regulation)) {
          const partial = NOTICES.completed({ request: request(regulation, locale), link: 'https://privacy.example/appeal/abc' });
          assert.doesNotMatch(partial.text, ENGLISH, `${regulation} partial answer`);
          assert.match(partial.text, /https:\/\/privacy\.example\/appeal\/abc/, `${regulation}: the appeal link`);
        }
      }
    });
  }

  test('German GDPR refusal: the complaint under Art. 77 with the list of authorities, and the judicial remedy', () => {
    const { text } = NOTICES.rejected({ request: request('GDPR', 'de'), reason: 'other' });
    assert.match(text, /Art\. 77 DSGVO/);
    assert.match(text, /https:\/\/www\.edpb\.europa\.eu\/about-edpb\/about-edpb\/members_en/);
    assert.match(text, /gerichtlichen Rechtsbehelf/);
  });

  test('Spanish refusal in a state with an appeal: the statute, the days and how to appeal by reply', () => {
    const regulation = REGULATION_CODES.find((code) => appealRuleFor(code) && code !== 'GDPR')!;
    const rule = appealRuleFor(regulation)!;
    const { text } = NOTICES.rejected({ request: request(regulation, 'es'), reason: 'other' });
    assert.ok(text.includes(`Puede apelar esta decisión (${rule.source})`), text);
    assert.ok(text.includes(`en un plazo de ${rule.decisionWithin.amount} días`));
    assert.match(text, /responda a este correo indicando que apela, con la referencia de la solicitud 0b7d4a8e/);
  });

  test('English keeps the law table’s own sentence (the ICO’s telephone number)', () => {
    assert.match(NOTICES.rejected({ request: request('UK_GDPR', 'en'), reason: 'other' }).text, /0303 123 1113/);
  });

  test('an appeal received, extended, granted and denied, in Spanish: no English sentence; the denial names where to complain', () => {
    const regulation = REGULATION_CODES.find((code) => appealRuleFor(code) && code !== 'GDPR')!;
    const appeal = { id: '5e0c2f7a-1111-4222-8333-944455556666', received_at: '2026-11-20T15:00:00.000Z', due_at: '2027-01-19T23:59:59.999Z' } as unknown as AppealRow;
    const r = request(regulation, 'es');
    for (const kind of ['received', 'extended', 'granted', 'denied'] as const) {
      const notice = appealNotice(kind, { appeal, request: r, reasons: 'Los registros de pago se conservan por ley.' });
      assert.doesNotMatch(`${notice.subject}\n${notice.text}`, /\b(We|Your appeal|Our reasons|Why we need|The law allows|Appeal reference|If you have concerns)\b/, kind);
      assert.match(notice.text, /Referencia de la apelación: 5e0c2f7a/, kind);
    }
    // C.R.S. 6-1-1306(3): the extension tells the new date and the reasons for the delay, in the consumer's language.
    for (const [locale, why] of [['de', 'Warum wir mehr Zeit brauchen:'], ['fr', 'Pourquoi nous avons besoin de plus de temps :'], ['es', 'Por qué necesitamos más tiempo:']] as const) {
      const extended = appealNotice('extended', { appeal, request: request('CPA', locale), reasons: 'Many records to review.' });
      assert.match(extended.text, /C\.R\.S\. 6-1-1306\(3\)/, locale);
      assert.ok(extended.text.includes(`${why}\nMany records to review.`), locale);
      assert.match(extended.text, /2027/, `${locale}: the new date`);
    }
    const denied = appealNotice('denied', { appeal, request: r, reasons: 'Los registros de pago se conservan por ley.' });
    assert.match(denied.subject, /ha sido desestimada/);
    assert.match(denied.text, /Nuestros motivos:\nLos registros de pago se conservan por ley\./);
    assert.match(denied.text, /Puede presentar una reclamación ante Office of the Attorney General of .+: https:\/\//);
  });
});
