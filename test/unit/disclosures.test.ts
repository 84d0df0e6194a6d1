import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { downloadLinkEmail } from '../../src/activities/export/download-notice.ts';
import { complaintSentence, disclosureLanguage } from '../../src/activities/subject-mail.ts';
import type { RequestRow } from '../../src/db/requests.ts';
import { buildDisclosures, disclosureSections, disclosureSummary } from '../../src/domain/disclosures.ts';
import type { RegulationCode } from '../../src/domain/regulations.ts';
import { messagesFor } from '../../src/locales/index.ts';
import { checkProcessingRegister, parseProcessingRegister, ProcessingRegisterError, registerProblems } from '../../src/domain/processing-register.ts';
import { loadDataModelFile } from '../../src/warehouse/data-model-check.ts';
import { loadProcessingRegisterFile } from '../../src/warehouse/processing-register-file.ts';

const english = (regulation: string) => disclosureLanguage({ regulation, locale: null });

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
    const eu = buildDisclosures({ regulation: 'GDPR', organizationId: 'acme', register, held, language: english('GDPR') });
    assert.deepEqual(eu.models.map((m) => m.name), ['users']);
    assert.ok(eu.models[0]!.legalBasis && !eu.models[0]!.ccpaCategories && !eu.rightToKnow);
    assert.ok(eu.rights.some((r) => r.includes('object')));
    const va = buildDisclosures({ regulation: 'VCDPA', organizationId: 'acme', register, held, language: english('VCDPA') });
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
    const d = buildDisclosures({ regulation, organizationId: 'acme', register: await loadProcessingRegisterFile(), held, language: disclosureLanguage(request(regulation, locale)) });
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

describe('the files’ disclosure section, in the subject’s language', () => {
  const held = [
    { name: 'users', displayName: 'Profile', rows: 1 },
    { name: 'orders', displayName: 'Orders', rows: 3 },
  ];
  // dsrflow's own English words in the section (labels, rights, complaint); the register's words are English too and stay.
  const ENGLISH = /\b(Law|Controller|Category collected|Source|Business or commercial purpose|Disclosed for a business purpose to|Sold to|Shared to|Categories of data|Purposes|Legal basis|Recipients|How long we keep it|Where it came from|Automated decisions and profiling):|This section lists|Transferred to|Transfers outside|About this answer|What we collected|Your rights|If you are not satisfied|\bThe right\b|\bYou (may|have the right)\b|\brecords?\)/;
  const section = async (regulation: RegulationCode, locale: string | null) => {
    const language = disclosureLanguage({ regulation, locale });
    const d = buildDisclosures({ regulation, organizationId: 'acme', register: await loadProcessingRegisterFile(), held, language });
    return { d, text: disclosureSections(d, language.words).map((s) => [s.heading, ...s.lines].join('\n')).join('\n') };
  };

  for (const locale of ['de', 'fr', 'es']) {
    test(`${locale}: every regime's section has no English word of ours; the register's words and the law's name as written`, async () => {
      for (const regulation of ['GDPR', 'UK_GDPR', 'CCPA', 'VCDPA'] as const) {
        const { d, text } = await section(regulation, locale);
        assert.equal(d.language, locale);
        assert.doesNotMatch(text, ENGLISH, `${regulation} in ${locale}`);
        assert.ok(text.includes('Profile') && text.includes(d.law), `${regulation} in ${locale}: the register's and the law table's names`);
        assert.equal(d.complaint.how, complaintSentence({ regulation, locale }), `${regulation} in ${locale}: the refusal's complaint sentence`);
      }
    });
  }

  test('German GDPR: the labels, the rights and the complaint under Art. 77 DSGVO', async () => {
    const { d, text } = await section('GDPR', 'de');
    assert.match(text, /^Zu dieser Antwort$/m);
    assert.match(text, /^Profile \(1 Datensatz\)$/m);
    assert.match(text, /^Orders \(3 Datensätze\)$/m);
    assert.match(text, /^Rechtsgrundlage: /m);
    assert.match(text, /^Speicherdauer: /m);
    assert.match(text, /^Das Recht auf Einschränkung der Verarbeitung Ihrer Daten\.$/m);
    assert.match(d.complaint.how, /Art\. 77 DSGVO/);
  });

  test('English (no language stored) is the section as before', async () => {
    const { d, text } = await section('GDPR', null);
    assert.equal(d.language, 'en');
    assert.match(text, /^Profile \(1 record\)$/m);
    assert.match(text, /^Recipients: .+\.$/m);
    assert.match(text, /^The right to have the processing of your data restricted\.$/m);
    assert.match(text, /^Transfers outside the EEA: none\.$|^Transferred to .+; safeguard: .+\.$/m);
    assert.equal(d.complaint.how, 'You have the right to lodge a complaint with a supervisory authority, in particular in the member state of your habitual residence, place of work or of the alleged infringement (GDPR Art. 77); the list of authorities is at https://www.edpb.europa.eu/about-edpb/about-edpb/members_en.');
  });
});
