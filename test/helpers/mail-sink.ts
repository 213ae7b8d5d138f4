// A mail server for tests (smtp-server, a peer we did not write) that keeps every message it
// accepts: the company's SMTP server as Switchboard sees it.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  /** The raw message, headers and body, as latin1 text (attachments stay base64). */
  data: string;
}

export interface MailSink {
  /** What Switchboard's SMTP_URL is set to. */
  url: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

export async function startMailSink(maxBytes = 30 * 1024 * 1024): Promise<MailSink> {
  const mails: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    size: maxBytes,
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (d: Buffer) => {
        data += d.toString('latin1');
      });
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    mails,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}
