import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createNotificationActivities } from '../../src/activities/notifications.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMailer, type Mailer } from '../../src/platform/mailer.ts';
import { json, testApp } from '../support/app.ts';
import { recordRequest } from '../support/requests.ts';
import { devServer, mailCatcher, postgres } from '../support/stack.ts';

describe('a verification link re-sent after a crash between sending and recording it', () => {
  let mailer: Mailer;
  before(async () => {
    mailer = createMailer((await mailCatcher()).smtpUrl, 'dsrflow <privacy@dsrflow.test>');
  });
  after(() => mailer.close());

  test('the re-send is a new message with a working link; the first link no longer works; a third call sends nothing', async () => {
    const [pg, mail, env] = await Promise.all([postgres(), mailCatcher(), devServer()]);
    const { row, subject } = await recordRequest(pg.pool);
    // The first attempt sends the email, then "crashes" before the send is recorded.
    let crash = true;
    const crashing: Mailer = {
      async send(m) {
        await mailer.send(m);
        if (crash) {
          crash = false;
          throw new Error('worker lost after the SMTP peer accepted the message');
        }
      },
      close: () => {},
    };
    const deps = { pool: pg.pool, mailer: crashing, logger: createLogger('silent'), publicUrl: 'http://localhost:3000', staffEmail: 'privacy-team@dsrflow.test' };
    const { issueVerificationLink } = createNotificationActivities(deps);
    const expiresAt = new Date(Date.now() + 14 * 86_400_000).toISOString();
    await assert.rejects(issueVerificationLink({ requestId: row.id, expiresAt }));
    assert.deepEqual(await issueVerificationLink({ requestId: row.id, expiresAt }), { sent: true });
    assert.deepEqual(await issueVerificationLink({ requestId: row.id, expiresAt }), { sent: false });

    const links = mail.messages().filter((m) => m.to.includes(subject.email) && /confirm/.test(m.subject));
    assert.equal(links.length, 2);
    const [first, second] = links.map((m) => ({ id: m.headers['message-id'], token: /\/verify\/([A-Za-z0-9_-]{43})/.exec(m.text)![1]! }));
    assert.notEqual(first!.id, second!.id, 'two different messages, not one folded by the mail client');
    const app = testApp({ pool: pg.pool, client: env.client });
    assert.equal((await app.request(`/verify/${first!.token}`, { method: 'POST' })).status, 404, 'the replaced link is refused');
    const page = await app.request(`/verify/${second!.token}`);
    assert.equal(page.status, 200, JSON.stringify(await json(page.clone()).catch(() => null)));
  });
});
