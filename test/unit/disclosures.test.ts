import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { downloadLinkEmail } from '../../src/activities/export/download-notice.ts';
import { complaintSentence } from '../../src/activities/subject-mail.ts';
import type { RequestRow } from '../../src/db/requests.ts';
import { buildDisclosures, disclosureSummary } from '../../src/domain/disclosures.ts';
import type { RegulationCode } from '../../src/domain/regulations.ts';
import { messagesFor } from '../../src/locales/index.ts';
import { checkProcessingRegister, parseProcessingRegister, ProcessingRegisterError, registerProblems } from '../../src/domain/processing-register.ts';
import { loadDataModelFile } from '../../src/warehouse/data-model-check.ts';
import { loadProcessingRegisterFile } from '../../src/warehouse/processing-register-file.ts';

describe('processing register and disclosure section', () => {
  test('the demo register describes every model of the demo data model', async () => {
    checkProcessingRegister(await loadProcessingRegisterFile(), await loadDataModelFile());
  });

  test('a register missing a model, naming an unknown one, or with an unknown CCPA category is refused, naming each problem', async () => {
    const register = structuredClone(await loadProcessingRegisterFile());
    const models = register.organizations['*']!.models;
    delete models.events;
    models.loyalty = models.orders!;
    const problems = registerProblems(register, await loadDataModelFile());
    assert.deepEqual(problems, [
      'organizations.*.models: no entry for model "events" of the data model',
      'organizations.*.models.loyalty: not a model of the data model (users, orders, order_items, transactions, events, campaign_interactions)',
    ]);
    const raw = JSON.parse(JSON.stringify(await loadProcessingRegisterFile()));
    raw.organizations['*'].models.users.ccpaCategories = ['identifiers', 'horoscope'];
    assert.throws(() => parseProcessingRegister(raw), (e: unknown) => e instanceof ProcessingRegisterError && e.problems.some((p) => p.startsWith('organizations.*.models.users.ccpaCategories.1')));
  });

  test('only the models held are listed; a US answer gets the 1798.140(v) categories and no legal basis, an EU one the reverse', async () => {
    const register = await loadProcessingRegisterFile();
    const held = [
      { name: 'users', displayName: 'Profile', rows: 1 },
      { name: 'campaign_interactions', displayName: 'Marketing campaign interactions', rows: 0 },
    ];
    const eu = buildDisclosures({ regulation: 'GDPR', organizationId: 'acme', register, held });
    assert.deepEqual(eu.models.map((m) => m.name), ['users']);
    assert.ok(eu.models[0]!.legalBasis && !eu.models[0]!.ccpaCategories && !eu.rightToKnow);
    assert.ok(eu.rights.some((r) => r.includes('object')));
    const va = buildDisclosures({ regulation: 'VCDPA', organizationId: 'acme', register, held });
    assert.deepEqual(va.rightToKnow?.categoriesCollected, ['Identifiers (1798.140(v)(1)(A))', 'Personal information categories listed in Cal. Civ. Code 1798.80(e) (1798.140(v)(1)(B))', 'Characteristics of protected classifications under California or federal law (1798.140(v)(1)(C))']);
    assert.equal(va.models[0]!.legalBasis, undefined);
    assert.ok(va.rights.some((r) => r.includes('appeal') && r.includes('59.1-577(C)')));
    assert.match(va.complaint.how, /Attorney General of Virginia/);
  });
});

describe('the short disclosure of the download email, in the subject’s language', () => {
  const held = [
    { name: 'users', displayName: 'Profile', rows: 1 },
    { name: 'orders', displayName: 'Orders', rows: 3 },
  ];
  const request = (regulation: string, locale: string) => ({ id: 'a1b2c3d4-0000-4000-8000-000000000001', regulation, locale }) as unknown as RequestRow;
  const email = async (regulation: RegulationCode, locale: string) => {
    const d = buildDisclosures({ regulation, organizationId: 'acme', register: await loadProcessingRegisterFile(), held });
    const t = messagesFor(locale);
    const disclosure = disclosureSummary(d, t.email.disclosureLines, complaintSentence(request(regulation, locale)));
    return downloadLinkEmail({ requestId: 'a1b2c3d4', links: ['CSV: https://privacy.example/downloads/x'], expiresOn: '8. Dezember 2026', skipped: [], t, english: locale === 'en', disclosure }).text;
  };
  const ENGLISH_LABELS = /What we hold|Categories:|Purposes:|Recipients:|Sold:|Shared for advertising|Each file opens|none outside our organisation/;

  test('German GDPR: labels and the complaint under Art. 77 in German; the register’s names as the organization wrote them', async () => {
    const text = await email('GDPR', 'de');
    assert.doesNotMatch(text, ENGLISH_LABELS);
    assert.match(text, /Was wir über Sie gespeichert haben: Profile, Orders\./);
    assert.match(text, /Art\. 77 DSGVO/);
    assert.match(text, /Jede Datei beginnt mit der vollständigen Erklärung: Zwecke, Rechtsgrundlage/);
  });

  for (const [regulation, locale, sold] of [['CCPA', 'es', /Vendidos a: .+\. Compartidos con fines publicitarios con: /], ['VCDPA', 'fr', /Vendues à : .+\. Partagées à des fins publicitaires avec : /]] as const) {
    test(`${regulation} in ${locale}: what was sold and shared, in the subject’s words, no English label`, async () => {
      const text = await email(regulation, locale);
      assert.doesNotMatch(text, ENGLISH_LABELS);
      assert.match(text, sold);
    });
  }

  test('English is unchanged: the law table’s own complaint sentence', async () => {
    const text = await email('UK_GDPR', 'en');
    assert.match(text, /What we hold about you: Profile, Orders\./);
    assert.match(text, /0303 123 1113/);
  });
});
