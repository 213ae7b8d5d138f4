// With SMTP_URL set, mail leaves through a real SMTP server instead of the outbox.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('mail over SMTP', () => {
  const received: { to: string[]; data: string }[] = [];
  let smtp: SMTPServer;
  let server: TestServer;
  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let data = '';
        stream.on('data', (d) => {
          data += d;
        });
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    server = await startTestServer('pglite', {
      smtpUrl: `smtp://127.0.0.1:${port}`,
      mailFrom: 'PBX <pbx@switchboard.example>',
    });
  });
  afterAll(async () => {
    await server?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('sends the verification email to the SMTP server, and keeps no outbox', async () => {
    const res = await server.client().post('/api/signup', {
      email: 'owner@smtp.example',
      password: 'smtp password 1',
      companyName: 'SMTP Co',
      firstName: 'S',
      lastName: 'Mtp',
      country: 'LV',
      timeZone: 'UTC',
    });
    expect(res.status).toBe(202);
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]?.to).toEqual(['owner@smtp.example']);
    expect(received[0]?.data).toMatch(/^From: PBX <pbx@switchboard\.example>/m);
    expect(received[0]?.data).toMatch(/verify-email\?token=/);
    expect(server.running.app.services.outbox).toBeNull();
  });
});
