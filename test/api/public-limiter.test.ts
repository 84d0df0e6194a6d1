import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createApp } from '../../src/api/app.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { demoDataModel, TEST_SUBJECT_KEYS, testKeyRing, testStorage, testWorkflowSettings } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';

describe('the public limiter', () => {
  test('the Privacy Center’s stylesheet and scripts do not spend a visitor’s allowance; its pages do', async () => {
    const [env, pg] = await Promise.all([devServer(), postgres()]);
    const app = createApp({
      pool: pg.pool,
      warehouseLookups: pg.pool,
      temporal: { client: env.client, namespace: 'default', uiUrl: undefined },
      workflows: testWorkflowSettings('dsrflow-limiter'),
      settings: { defaultOrganization: 'default', subjectKeys: TEST_SUBJECT_KEYS, publicRateLimit: { limit: 2, windowMs: 60_000 } },
      logger: createLogger('silent'),
      keyRing: testKeyRing,
      now: () => new Date(),
      storage: testStorage,
      dataModel: demoDataModel,
    });
    for (let i = 0; i < 5; i++) {
      assert.equal((await app.request('/privacy/assets/privacy.css')).status, 200, `stylesheet load ${i + 1}`);
      assert.equal((await app.request('/privacy/widget.js')).status, 200, `widget load ${i + 1}`);
    }
    const pages = [];
    for (let i = 0; i < 3; i++) pages.push((await app.request('/privacy/default?lang=en')).status);
    assert.deepEqual(pages, [200, 200, 429], 'two pages a minute from this address, then 429');
  });
});
