import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { html, raw } from 'hono/html';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { portInUse } from './startup-error.ts';

// A local SMTP peer with a web inbox, for `npm start` without SMTP_URL and for tests.
// (maildev 3 would do, but its dependency tree does not resolve from our registry mirror and pulls in jsdom.)

export interface CaughtMail {
  id: string;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | undefined;
  headers: Record<string, string>;
}

export interface MailCatcher {
  smtpPort: number;
  webPort: number | undefined;
  smtpUrl: string;
  messages(): CaughtMail[];
  clear(): void;
  waitFor(predicate: (m: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail>;
  stop(): Promise<void>;
}

export async function startMailCatcher(opts: { smtpPort: number; webPort?: number; keep?: number }): Promise<MailCatcher> {
  const keep = opts.keep ?? 500;
  const inbox: CaughtMail[] = [];
  const waiters = new Set<() => void>();

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'dsrflow mail catcher',
    size: 25 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        try {
          const parsed = await PostalMime.parse(Buffer.concat(chunks));
          inbox.push({
            id: randomUUID(),
            receivedAt: new Date().toISOString(),
            from: parsed.from?.address ?? String(session.envelope.mailFrom && session.envelope.mailFrom.address),
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: parsed.html,
            headers: Object.fromEntries(parsed.headers.map((h) => [h.key, h.value])),
          });
          if (inbox.length > keep) inbox.splice(0, inbox.length - keep);
          for (const wake of waiters) wake();
          callback();
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });
  await new Promise<void>((ok, fail) => {
    smtp.once('error', (error: NodeJS.ErrnoException) => fail(error.code === 'EADDRINUSE' ? portInUse(opts.smtpPort, '127.0.0.1', 'MAIL_CATCHER_SMTP_PORT', 'The mail catcher (SMTP)') : error));
    smtp.listen(opts.smtpPort, '127.0.0.1', () => ok());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  let web: Server | undefined;
  if (opts.webPort !== undefined) {
    web = createServer(getRequestListener(inboxApp(() => inbox).fetch));
    await new Promise<void>((ok, fail) => {
      web!.once('error', (error: NodeJS.ErrnoException) =>
        fail(error.code === 'EADDRINUSE' ? portInUse(opts.webPort!, '127.0.0.1', 'MAIL_CATCHER_WEB_PORT', 'The mail catcher (web inbox)') : error),
      );
      web!.listen(opts.webPort, '127.0.0.1', () => ok());
    });
  }

  return {
    smtpPort,
    webPort: web ? (web.address() as AddressInfo).port : undefined,
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    messages: () => [...inbox],
    clear: () => void inbox.splice(0),
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = inbox.find(predicate);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching email within ${timeoutMs} ms (${inbox.length} caught)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      await new Promise<void>((ok) => smtp.close(() => ok()));
      if (web) await new Promise<void>((ok) => web!.close(() => ok()));
    },
  };
}

function inboxApp(inbox: () => CaughtMail[]) {
  const app = new Hono();
  app.get('/api/messages', (c) => c.json(inbox().slice().reverse()));
  app.get('/', (c) => {
    const rows = inbox().slice().reverse();
    return c.html(html`<!doctype html><html><head><meta charset="utf-8"><title>dsrflow inbox</title>
<style>body{font:14px system-ui;margin:2rem}article{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}pre{white-space:pre-wrap}</style></head>
<body><h1>Local inbox (${rows.length})</h1>${rows.length === 0 ? html`<p>No mail yet.</p>` : ''}
${rows.map((m) => html`<article><strong>${m.subject}</strong><br>From ${m.from} to ${m.to.join(', ')} at ${m.receivedAt}<pre>${m.text}</pre></article>`)}
${raw('')}</body></html>`);
  });
  return app;
}
