// The database lost right after the SMTP peer accepted an email, before the send is recorded: the activity fails and
// Temporal retries it. The retry must record what was sent, not send it again (nor replace the link the subject has).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { createDatabasePool } from '../../src/db/pool.ts';
import { createMailer, type Mailer } from '../../src/platform/mailer.ts';
import { testApp } from '../support/app.ts';
import { eventually } from '../support/requests.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { devServer, mailCatcher, postgres } from '../support/stack.ts';
import { harness } from '../support/workflow-harness.ts';

describe('an email sent just before the database is lost', () => {
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let pool: DatabasePool;
  let mailer: Mailer;
  before(async () => {
    const pg = await postgres();
    proxy = await startTcpProxy(Number(new URL(pg.url).port));
    const url = new URL(pg.url);
    url.port = String(proxy.port);
    pool = await createDatabasePool(url.toString());
    mailer = createMailer((await mailCatcher()).smtpUrl, 'dsrflow <privacy@dsrflow.test>');
  });
  after(async () => {
    mailer.close();
    await pool.end();
    await proxy.close();
  });

  test('the acknowledgement and the verification link go out once each, and the link the subject got works', async () => {
    const [env, mail, pg] = await Promise.all([devServer(), mailCatcher(), postgres()]);
    const lost: string[] = [];
    // After each of the first two emails: the database goes away for 1.5 s, as the SMTP peer answers "queued".
    const losing: Mailer = {
      async send(m) {
        await mailer.send(m);
        if (lost.length < 2) {
          lost.push(m.messageId);
          await proxy.cut();
          setTimeout(() => void proxy.restore(), 1_500);
        }
      },
      close: () => {},
    };
    const h = harness(env, pool, mailer, `mail-db-loss-${randomUUID()}`);
    const { row, subject } = await h.start();
    const email = subject.email;
    await h.withWorker(
      () =>
        eventually(async () => {
          const sent = await pg.pool.anyFirst(sql.type(z.object({ kind: z.string() }))`
            select kind from dsrflow.notifications where request_id = ${row.id} and sent_at is not null`);
          return sent.includes('acknowledgement') && sent.includes('verification_link') ? true : undefined;
        }, 30_000, 'both emails recorded as sent'),
      { mailer: losing },
    );
    assert.equal(lost.length, 2, 'the database was lost after each of the two emails');

    const received = mail.messages().filter((m) => m.to.includes(email));
    const kinds = received.map((m) => m.headers['message-id']);
    assert.equal(received.length, 2, `one acknowledgement and one verification link, got ${kinds.join(', ')}`);
    assert.equal(new Set(kinds).size, 2);
    const events = await pg.pool.anyFirst(sql.type(z.object({ action: z.string() }))`
      select action from dsrflow.audit_events where request_id = ${row.id} and action = 'notice.sent'`);
    assert.equal(events.length, 2, 'each send audited once');

    // The retry made no new token: the link in the one email the subject has still verifies them.
    const link = received.map((m) => /\/verify\/([A-Za-z0-9_-]{43})/.exec(m.text)?.[1]).find(Boolean);
    assert.ok(link, 'the verification email carries its link');
    const page = await testApp({ pool: pg.pool, client: env.client }).request(`/verify/${link}`);
    assert.equal(page.status, 200);
  });
});
