// With SMTP_URL set, mail leaves through a real SMTP server instead of the outbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MailSink, type ReceivedMail, startMailSink } from '../helpers/mail-sink.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('mail over SMTP', () => {
  let received: ReceivedMail[] = [];
  let sink: MailSink;
  let server: TestServer;
  beforeAll(async () => {
    sink = await startMailSink();
    received = sink.mails;
    server = await startTestServer('pglite', {
      smtpUrl: sink.url,
      mailFrom: 'PBX <pbx@switchboard.example>',
    });
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
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
