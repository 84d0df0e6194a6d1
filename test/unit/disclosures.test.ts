import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildDisclosures } from '../../src/domain/disclosures.ts';
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
