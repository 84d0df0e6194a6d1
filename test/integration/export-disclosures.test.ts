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

describe('access answers carry the disclosure section of their regulation in every format', () => {
  let pool: DatabasePool;
  let h: Awaited<ReturnType<typeof exportHarness>>;
  const texts = new Map<string, Map<ExportFormat, string>>();
  const json = new Map<string, Record<string, unknown>>();
  const xml = new Map<string, Record<string, unknown>>();
  const emails = new Map<string, string>();

  /** Exports a subject with no campaign interactions in every format and reads each back as text (and JSON, XML). */
  async function answer(regulation: RegulationCode, userId: number) {
    const email = await pool.oneFirst(sql.type(z.object({ email: z.string() }))`select email from warehouse.users where id = ${userId}`);
    const requestId = await requestFor(pool, { email }, 'access', FORMATS, regulation);
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
        json.set(regulation, doc.disclosures);
        byFormat.set('json', JSON.stringify(doc.disclosures));
      } else if (e.format === 'xml') {
        const text = readFileSync(path, 'utf8');
        assert.equal(XMLValidator.validate(text), true);
        const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => ['model', 'purpose', 'legalBasis', 'category', 'ccpaCategory', 'right', 'recipient', 'soldTo', 'sharedTo', 'transfer', 'categoryCollected'].includes(n) }).parse(text);
        xml.set(regulation, doc.subjectExport.disclosures);
        byFormat.set('xml', JSON.stringify(doc.subjectExport.disclosures));
      } else if (e.format === 'docx') {
        const document = (await unzip(path)).get('word/document.xml')!.toString('utf8');
        // The cover's disclosure section: every run before its list of contents (which names each model, rows or not).
        const cover = document.slice(0, document.indexOf('What this document contains'));
        assert.ok(cover.length > 0 && cover.indexOf('<w:tbl>') < 0, 'the disclosures are on the cover, before the data');
        byFormat.set('docx', [...cover.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join(' '));
      } else {
        const parser = new PDFParse({ data: readFileSync(path) });
        const { text } = await parser.getText();
        await parser.destroy();
        // The cover, up to the first model's page (every model has a page, rows or not).
        const cover = text.slice(0, text.search(/\d+ row\(s\) from users/));
        assert.ok(cover.includes('If you are not satisfied'), 'the PDF cover holds the whole section before the data');
        byFormat.set('pdf', cover);
      }
    }
    texts.set(regulation, byFormat);
    await h.activities.issueDownloadLink({ requestId, exportIds: result.exportIds });
    const mail = await h.catcher.waitFor((m) => m.subject.includes(requestId));
    emails.set(regulation, mail.text);
  }

  before(async () => {
    pool = await exportDatabase('export_disclosures');
    h = await exportHarness(pool);
    const withoutCampaigns = await pool.any(sql.type(z.object({ id: z.coerce.number() }))`
      select u.id from warehouse.users u where not exists (select 1 from warehouse.campaign_interactions c where c.user_id = u.id)
        and exists (select 1 from warehouse.events e where e.user_id = u.id) order by u.id limit 2`);
    assert.equal(withoutCampaigns.length, 2, 'the seed has users without campaign interactions');
    await answer('GDPR', withoutCampaigns[0]!.id);
    await answer('CCPA', withoutCampaigns[1]!.id);
  });
  after(async () => {
    h.mailer.close();
    await pool.end();
  });

  test('GDPR (Art. 15(1)-(2)): purposes, legal basis, recipients, retention, source, automated decisions, transfers, rights and the supervisory authority, in every format', () => {
    for (const [format, raw] of texts.get('GDPR')!) {
      const text = ALL_FORMATS_TEXT(raw);
      const has = (needle: string) => text.includes(ALL_FORMATS_TEXT(needle));
      for (const needle of [
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
      ]) {
        assert.ok(has(needle), `${format}: ${needle}`);
      }
      // A model the person has no rows in is not listed; nor are the CCPA's categories in a GDPR answer.
      assert.ok(!has('Marketing campaign interactions') && !has('Opens and clicks'), `${format} lists a model without rows`);
      assert.ok(!has('1798.140'), `${format}: CCPA categories in a GDPR answer`);
    }
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
      for (const needle of [
        'California Consumer Privacy Act',
        'Identifiers (1798.140(v)(1)(A))',
        'Commercial information (1798.140(v)(1)(D))',
        'Internet or other electronic network activity information (1798.140(v)(1)(F))',
        'You, when you opened your account',
        'Our payment processor',
        'Advertising partners, for cross-context behavioural advertising',
        'not to be discriminated against',
        'https://cppa.ca.gov/webapplications/complaint',
      ]) {
        assert.ok(has(needle), `${format}: ${needle}`);
      }
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
});
