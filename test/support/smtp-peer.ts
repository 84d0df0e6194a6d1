import type { AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface DeliveredMail {
  messageId: string;
  to: string[];
  subject: string;
}

/**
 * A real SMTP server on loopback that can refuse mail: while `refusing`, every message is answered 451 (a temporary
 * failure, as a relay that is down or rate-limiting answers), so the sender must try again later.
 */
export async function startSmtpPeer() {
  const delivered: DeliveredMail[] = [];
  let refusing = false;
  let refused = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      if (!refusing) return callback();
      refused += 1;
      const error = Object.assign(new Error('4.3.2 mail refused for now, try again later'), { responseCode: 451 });
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const parsed = await PostalMime.parse(Buffer.concat(chunks));
        delivered.push({ messageId: parsed.messageId ?? '', to: session.envelope.rcptTo.map((r) => r.address), subject: parsed.subject ?? '' });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    delivered,
    refusedCount: () => refused,
    refuse: (on: boolean) => void (refusing = on),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
