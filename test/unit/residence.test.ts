import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REGULATION_CODES, REGULATIONS } from '../../src/domain/regulations.ts';
import { jurisdictionsFor, parseResidence, regulationFor, rightsFor } from '../../src/domain/residence.ts';
import { formatDate, pickLocale } from '../../src/locales/index.ts';

describe('where a person lives decides the law (src/domain/residence.ts)', () => {
  test('each place finds its row by jurisdiction, most specific first', () => {
    assert.equal(regulationFor({ country: 'DE' }), 'GDPR');
    assert.equal(regulationFor({ country: 'NO' }), 'GDPR', 'the EEA applies the GDPR');
    assert.equal(regulationFor({ country: 'GB' }), 'UK_GDPR');
    assert.equal(regulationFor({ country: 'US', region: 'VA' }), 'VCDPA');
    assert.equal(regulationFor({ country: 'BR' }), 'LGPD');
    assert.deepEqual(jurisdictionsFor({ country: 'CA', region: 'QC' }), ['CA-QC', 'CA'], 'a Québec row slots in before PIPEDA');
    assert.equal(regulationFor({ country: 'CA', region: 'QC' }), REGULATION_CODES.find((c) => REGULATIONS[c].jurisdiction === 'CA-QC'), 'Québec’s own row');
    assert.equal(regulationFor({ country: 'CA', region: 'ON' }), 'PIPEDA', 'the other provinces: the federal act');
    assert.equal(regulationFor({ country: 'US', region: 'OR' }), REGULATION_CODES.find((c) => REGULATIONS[c].jurisdiction === 'US-OR'), 'a state row is found by its jurisdiction');
    assert.equal(regulationFor({ country: 'CH' }), REGULATION_CODES.find((c) => REGULATIONS[c].jurisdiction === 'CH'));
  });

  test('the rights are the row’s, derived: no correction in Iowa, correction in Utah, restriction and objection in the UK', () => {
    assert.ok(!rightsFor({ country: 'US', region: 'IA' }).includes('rectify'));
    assert.ok(rightsFor({ country: 'US', region: 'UT' }).includes('rectify'));
    assert.deepEqual(rightsFor({ country: 'GB' }), REGULATIONS.UK_GDPR.allowedTypes);
    assert.deepEqual(rightsFor({ country: 'US', region: 'WY' }), [], 'no law, no rights offered');
  });

  test('a residence from a form: the region must belong to the country', () => {
    assert.deepEqual(parseResidence('US', 'CA'), { country: 'US', region: 'CA' });
    assert.deepEqual(parseResidence('US', 'QC'), { problem: 'region' });
    assert.deepEqual(parseResidence('FR', 'CA'), { country: 'FR' });
    assert.deepEqual(parseResidence('XX', undefined), { problem: 'country' });
  });
});

describe('the subject’s language (src/locales)', () => {
  test('Accept-Language by weight, the base language matching; English otherwise', () => {
    assert.equal(pickLocale('de-AT,de;q=0.9,en;q=0.8'), 'de');
    assert.equal(pickLocale('it-IT,fr;q=0.7,en;q=0.9'), 'en');
    assert.equal(pickLocale('pt-BR, es;q=0.5'), 'es');
    assert.equal(pickLocale('en;q=0, fr;q=0.1'), 'fr');
    assert.equal(pickLocale(undefined), 'en');
  });

  test('dates in the person’s language, on the law’s clock', () => {
    assert.equal(formatDate('de', '2027-03-03T10:00:00Z', 'Europe/Berlin'), '3. März 2027');
    assert.equal(formatDate('fr', '2027-03-03T10:00:00Z', 'Europe/Paris'), '3 mars 2027');
    assert.equal(formatDate('es', '2027-03-03T10:00:00Z', 'Europe/Madrid'), '3 de marzo de 2027');
    assert.equal(formatDate('en', '2027-03-01T03:00:00Z', 'America/Los_Angeles'), 'February 28, 2027', 'still the 28th in California');
  });
});
