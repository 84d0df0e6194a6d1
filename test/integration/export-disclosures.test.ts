import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PDFParse } from 'pdf-parse';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { ExportFormat } from '../../src/domain/data-model.ts';
import type { RegulationCode } from '../../src/domain/regulations.ts';
import { exportDatabase, exportHarness, requestFor, unzip } from './export-support.ts';

// The disclosure section every access answer carries (docs/exports.md), read back from each format by a parser that
// did not write it. The demo register (config/processing-register.json) says what each model discloses.

const FORMATS: ExportFormat[] = ['csv', 'json', 'xml', 'docx', 'pdf'];
// Without white space: PDF text extraction breaks lines (a long URL too) wherever the page did.
const ALL_FORMATS_TEXT = (s: string) => s.replace(/\s+/g, '');
/** The file of `format` holds each needle, whitespace aside (DOCX and PDF wrap and split lines). */
const assertHolds = (format: string, raw: string, needles: string[]) => {
  const text = ALL_FORMATS_TEXT(raw);
  for (const needle of needles) assert.ok(text.includes(ALL_FORMATS_TEXT(needle)), `${format}: ${needle}`);
};

describe('access answers carry the disclosure section of their regulation in every format', () => {
  let pool: DatabasePool;
  let h: Awaited<ReturnType<typeof exportHarness>>;
  const texts = new Map<string, Map<ExportFormat, string>>();
  const json = new Map<string, Record<string, unknown>>();
  const xml = new Map<string, Record<string, unknown>>();
  const emails = new Map<string, string>();

  // Where each language's cover ends: DOCX before its list of contents, PDF before the first model's page (every
  // model has a page, rows or not); and the cover's last heading, which the PDF's cover must hold.
  const COVER: Record<string, { contents: string; firstModel: RegExp; lastHeading: string }> = {
    en: { contents: 'What this document contains', firstModel: /\d+ row\(s\) from users/, lastHeading: 'If you are not satisfied' },
    de: { contents: 'Was dieses Dokument enthält', firstModel: /\d+ Zeilen? aus users/, lastHeading: 'Wenn Sie nicht zufrieden sind' },
    es: { contents: 'Qué contiene este documento', firstModel: /\d+ filas? de users/, lastHeading: 'Si no está conforme con nuestra respuesta' },
  };

  /**
   * Exports a subject with no campaign interactions in every format and reads each back as text (and JSON, XML),
   * kept under `key` ('GDPR', or 'GDPR/de' for a request in German).
   */
  async function answer(regulation: RegulationCode, userId: number, locale?: 'de' | 'es') {
    const key = locale ? `${regulation}/${locale}` : regulation;
    const cover = COVER[locale ?? 'en']!;
    const email = await pool.oneFirst(sql.type(z.object({ email: z.string() }))`select email from warehouse.users where id = ${userId}`);
    const requestId = await requestFor(pool, { email }, 'access', FORMATS, regulation, locale);
    const result = await h.activities.exportSubjectData({ requestId, formats: FORMATS });
    assert.equal(result.outcome, 'exported');
    assert.equal(result.counts.campaign_interactions, 0);
    const byFormat = new Map<ExportFormat, string>();
    for (const e of result.exports) {
      // The file as the subject downloads it (files are encrypted at rest).
      const path = await h.plaintextPath(e.exportId);
      if (e.format === 'csv') {
        const zip = await unzip(path);
        assert.equal([...zip.keys()][0], 'disclosures.txt', 'the disclosures come first in the zip');
        byFormat.set('csv', zip.get('disclosures.txt')!.toString('utf8'));
        // The models' CSVs are untouched: each still parses with its header row first.
        const users: string[][] = parseCsv(zip.get('users.csv')!);
        assert.equal(users[0]![0], 'id');
      } else if (e.format === 'json') {
        const doc = JSON.parse(readFileSync(path, 'utf8'));
        json.set(key, doc.disclosures);
        byFormat.set('json', JSON.stringify(doc.disclosures));
      } else if (e.format === 'xml') {
        const text = readFileSync(path, 'utf8');
        assert.equal(XMLValidator.validate(text), true);
        const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => ['model', 'purpose', 'legalBasis', 'category', 'ccpaCategory', 'right', 'recipient', 'soldTo', 'sharedTo', 'transfer', 'categoryCollected'].includes(n) }).parse(text);
        xml.set(key, doc.subjectExport.disclosures);
        byFormat.set('xml', JSON.stringify(doc.subjectExport.disclosures));
      } else if (e.format === 'docx') {
        const document = (await unzip(path)).get('word/document.xml')!.toString('utf8');
        // The cover's disclosure section: every run before its list of contents (which names each model, rows or not).
        const coverXml = document.slice(0, document.indexOf(cover.contents));
        assert.ok(coverXml.length > 0 && coverXml.indexOf('<w:tbl>') < 0, 'the disclosures are on the cover, before the data');
        byFormat.set('docx', [...coverXml.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join(' '));
      } else {
        const parser = new PDFParse({ data: readFileSync(path) });
        const { text } = await parser.getText();
        await parser.destroy();
        const coverText = text.slice(0, text.search(cover.firstModel));
        assert.ok(coverText.includes(cover.lastHeading), 'the PDF cover holds the whole section before the data');
        byFormat.set('pdf', coverText);
      }
    }
    texts.set(key, byFormat);
    await h.activities.issueDownloadLink({ requestId, exportIds: result.exportIds });
    const mail = await h.catcher.waitFor((m) => m.subject.includes(requestId));
    emails.set(key, mail.text);
  }

  before(async () => {
    pool = await exportDatabase('export_disclosures');
    h = await exportHarness(pool);
    const withoutCampaigns = await pool.any(sql.type(z.object({ id: z.coerce.number() }))`
      select u.id from warehouse.users u where not exists (select 1 from warehouse.campaign_interactions c where c.user_id = u.id)
        and exists (select 1 from warehouse.events e where e.user_id = u.id) order by u.id limit 4`);
    assert.equal(withoutCampaigns.length, 4, 'the seed has users without campaign interactions');
    await answer('GDPR', withoutCampaigns[0]!.id);
    await answer('CCPA', withoutCampaigns[1]!.id);
    await answer('GDPR', withoutCampaigns[2]!.id, 'de');
    await answer('CCPA', withoutCampaigns[3]!.id, 'es');
  });
  after(async () => {
    h.mailer.close();
    await pool.end();
  });

  test('GDPR (Art. 15(1)-(2)): purposes, legal basis, recipients, retention, source, automated decisions, transfers, rights and the supervisory authority, in every format', () => {
    for (const [format, raw] of texts.get('GDPR')!) {
      const text = ALL_FORMATS_TEXT(raw);
      const has = (needle: string) => text.includes(ALL_FORMATS_TEXT(needle));
      assertHolds(format, raw, [
        'EU General Data Protection Regulation',
        'Demo Shop Ltd',
        'Opening and running your customer account',
        'Contract (GDPR Art. 6(1)(b))',
        'Our payment processor',
        '7 years after the payment (tax records)',
        'Your browser and device',
        'Sign-ins from unusual places are blocked automatically',
        'Standard Contractual Clauses',
        'to have the processing of your data restricted',
        'to object to processing based on our legitimate interests',
        'https://www.edpb.europa.eu/about-edpb/about-edpb/members_en',
      ]);
      // A model the person has no rows in is not listed; nor are the CCPA's categories in a GDPR answer.
      assert.ok(!has('Marketing campaign interactions') && !has('Opens and clicks'), `${format} lists a model without rows`);
      assert.ok(!has('1798.140'), `${format}: CCPA categories in a GDPR answer`);
    }
    // The answer's own words in English, as before this section followed the request's language.
    for (const format of ['csv', 'docx', 'pdf'] as const) {
      const text = ALL_FORMATS_TEXT(texts.get('GDPR')!.get(format)!);
      for (const label of ['About this answer', 'Legal basis: Contract', 'How long we keep it:', 'Where it came from:', 'Your rights', 'The right to access your personal data', 'If you are not satisfied', '(GDPR Art. 77)']) {
        assert.ok(text.includes(ALL_FORMATS_TEXT(label)), `${format}: ${label}`);
      }
    }
    assert.equal(json.get('GDPR')!.language, 'en');
    assert.equal(xml.get('GDPR')!['@xml:lang'], 'en');
    const models = (json.get('GDPR')!.models as Array<{ name: string; rows: number; legalBasis: string[] }>);
    assert.ok(models.length >= 4 && models.every((m) => m.rows > 0 && m.legalBasis.length > 0));
    assert.ok(!models.some((m) => m.name === 'campaign_interactions'));
    const xmlModels = xml.get('GDPR')!.model as Array<{ '@name': string; '@rows': string; legalBasis: string[] }>;
    assert.deepEqual(xmlModels.map((m) => m['@name']), models.map((m) => m.name));
    assert.deepEqual(xmlModels.map((m) => Number(m['@rows'])), models.map((m) => m.rows));
  });

  test('CCPA (1798.110, 1798.115): the categories of 1798.140(v), sources, purposes, and who it was disclosed, sold or shared to, in every format', () => {
    for (const [format, raw] of texts.get('CCPA')!) {
      const text = ALL_FORMATS_TEXT(raw);
      const has = (needle: string) => text.includes(ALL_FORMATS_TEXT(needle));
      assertHolds(format, raw, [
        'California Consumer Privacy Act',
        'Identifiers (1798.140(v)(1)(A))',
        'Commercial information (1798.140(v)(1)(D))',
        'Internet or other electronic network activity information (1798.140(v)(1)(F))',
        'You, when you opened your account',
        'Our payment processor',
        'Advertising partners, for cross-context behavioural advertising',
        'not to be discriminated against',
        'https://cppa.ca.gov/webapplications/complaint',
      ]);
      // Campaign interactions alone carry the "inferences" category: not held, so not listed.
      assert.ok(!has('Inferences drawn') && !has('Marketing campaign interactions'), `${format} lists a model without rows`);
      assert.ok(!has('Art. 6(1)'), `${format}: a GDPR legal basis in a CCPA answer`);
    }
    const k = json.get('CCPA')!.rightToKnow as { soldTo: string[]; sharedTo: string[]; categoriesCollected: string[] };
    assert.deepEqual(k.soldTo, []);
    assert.deepEqual(k.sharedTo, ['Advertising partners, for cross-context behavioural advertising (you may opt out)']);
    const xk = xml.get('CCPA')!.rightToKnow as { categoryCollected: string[] };
    assert.deepEqual(xk.categoryCollected, k.categoriesCollected);
  });

  test('the download email carries the short version', () => {
    const gdpr = emails.get('GDPR')!;
    assert.match(gdpr, /What the law asks us to tell you/);
    assert.match(gdpr, /Purposes: .*Opening and running your customer account/);
    assert.match(gdpr, /members_en/);
    assert.doesNotMatch(gdpr, /Marketing campaign interactions/);
    const ccpa = emails.get('CCPA')!;
    assert.match(ccpa, /Categories: .*Identifiers \(1798\.140\(v\)\(1\)\(A\)\)/);
    assert.match(ccpa, /Sold: none\. Shared for advertising: Advertising partners/);
    assert.match(ccpa, /California Privacy Protection Agency/);
  });

  test('a request in German: the files speak German (labels, rights, Art. 77 DSGVO); the register’s words as written; JSON and XML mark the language and keep their names', () => {
    const english = /\b(Law|Controller|Categories of data|Purposes|Legal basis|Recipients|How long we keep it|Where it came from|Automated decisions and profiling):|This section lists|Transfers outside|About this answer|Your rights|If you are not satisfied|The right to|You have the right|GDPR Art\. 77/;
    for (const [format, raw] of texts.get('GDPR/de')!) {
      // The register's own words, as the organization wrote them, in every format.
      assertHolds(format, raw, ['Demo Shop Ltd', 'Opening and running your customer account', 'Contract (GDPR Art. 6(1)(b))', '7 years after the payment (tax records)', 'Standard Contractual Clauses']);
      // The answer's own sentences in German: the rights, and where to complain as a refusal says it.
      assertHolds(format, raw, [
        'Das Recht auf Auskunft über Ihre personenbezogenen Daten',
        'Das Recht auf Einschränkung der Verarbeitung Ihrer Daten',
        'Sie haben das Recht auf Beschwerde bei einer Aufsichtsbehörde',
        '(Art. 77 DSGVO)',
        'https://www.edpb.europa.eu/about-edpb/about-edpb/members_en',
      ]);
      if (format === 'json' || format === 'xml') continue;
      // The pages a person reads: German headings and labels, no English one.
      assertHolds(format, raw, [
        'Zu dieser Antwort',
        'Anwendbares Recht: EU General Data Protection Regulation (GDPR)',
        'Verantwortlicher: Demo Shop Ltd',
        'Zwecke: Opening and running your customer account',
        'Rechtsgrundlage: Contract (GDPR Art. 6(1)(b))',
        'Empfänger: Our payment processor',
        'Speicherdauer: 7 years after the payment (tax records)',
        'Herkunft:',
        'Automatisierte Entscheidungen einschließlich Profiling:',
        'Garantie:',
        'Ihre Rechte',
        'Wenn Sie nicht zufrieden sind',
      ]);
      assert.doesNotMatch(raw, english, `${format}: an English label or sentence of ours`);
    }
    // The cover's fixed words too (DOCX: the title and facts before the section).
    const docx = texts.get('GDPR/de')!.get('docx')!;
    assert.match(docx, /Kopie Ihrer personenbezogenen Daten/);
    assert.match(docx, /Ausgeübtes Recht:\s+Antrag auf Auskunft \(GDPR\)/);
    // JSON and XML: the same names as in English, the language marked, the free text in German.
    const de = json.get('GDPR/de')!;
    assert.equal(de.language, 'de');
    assert.deepEqual(Object.keys(de), Object.keys(json.get('GDPR')!));
    assert.match((de.complaint as { how: string }).how, /^Sie haben das Recht auf Beschwerde .*\(Art\. 77 DSGVO\)/);
    assert.deepEqual((de.models as Array<{ purposes: string[] }>).map((m) => m.purposes), (json.get('GDPR')!.models as Array<{ purposes: string[] }>).map((m) => m.purposes));
    const x = xml.get('GDPR/de')!;
    assert.equal(x['@xml:lang'], 'de');
    assert.match((x.complaint as { '#text': string })['#text'], /\(Art\. 77 DSGVO\)/);
    assert.ok((x.right as string[]).includes('Das Recht auf Löschung Ihrer Daten'));
  });

  test('a CCPA request in Spanish: what was sold and shared, the rights and where to complain in Spanish, the statute’s categories as written', () => {
    for (const [format, raw] of texts.get('CCPA/es')!) {
      assertHolds(format, raw, ['Identifiers (1798.140(v)(1)(A))', 'El derecho a no ser discriminado por ejercer estos derechos', 'Puede presentar una reclamación ante California Privacy Protection Agency']);
      if (format === 'json' || format === 'xml') continue;
      assertHolds(format, raw, [
        'Vendidos a: nadie: no vendemos su información personal',
        'Compartidos con fines publicitarios con: Advertising partners, for cross-context behavioural advertising',
        'Categoría recopilada: Identifiers',
        'Sus derechos',
      ]);
      assert.doesNotMatch(raw, /Sold to:|Shared to:|Category collected:|Your rights|not to be discriminated/, `${format}: an English label or sentence of ours`);
    }
    assert.equal(json.get('CCPA/es')!.language, 'es');
    assert.equal(xml.get('CCPA/es')!['@xml:lang'], 'es');
  });
});
