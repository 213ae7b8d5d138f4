// The pieces of recording delivery that need no peer: which methods a recording goes to, the
// file's name whatever the numbers hold, the mail (attached, or said to be too large), the
// server a method points at (password or key, certificate check), and error text without
// the secret. The end-to-end behaviour is in recording-delivery.test.ts.
import { describe, expect, it } from 'vitest';
import { deliveryFileName } from '../../src/pbx/recording/delivery-files.ts';
import { MAX_ATTACHMENT_BYTES, recordingMails } from '../../src/pbx/recording/delivery-mail.ts';
import { deliveryMethodIdsOf, unionOfMethods } from '../../src/pbx/recording/delivery-plan.ts';
import {
  describeFailure,
  isPrivateKey,
  remoteTarget,
  uploadTimeoutMs,
} from '../../src/pbx/recording/delivery-send.ts';
import { NO_RECORDING } from '../../src/store/schema.ts';

const M1 = '0190a0b0-0000-7000-8000-000000000001';
const M2 = '0190a0b0-0000-7000-8000-000000000002';
const M3 = '0190a0b0-0000-7000-8000-000000000003';

const rec = {
  id: '0190a0b0-1111-7222-8333-0123456789ab',
  path: 'recordings/t/r.wav',
  callerNumber: '+37120000001',
  calleeNumber: '201',
  startedAt: new Date('2026-11-21T10:15:00.123Z'),
  durationMs: 154_400,
};

describe('which methods a recording goes to', () => {
  it('is the union of the lines’ methods, each once, in the order first named', () => {
    expect(
      unionOfMethods([
        { ...NO_RECORDING, deliveryMethodIds: [M2, M1] },
        { ...NO_RECORDING, deliveryMethodIds: [M1, M3] },
      ]),
    ).toEqual([M2, M1, M3]);
  });

  it('reads lines saved before delivery methods existed as naming none', () => {
    expect(deliveryMethodIdsOf(NO_RECORDING)).toEqual([]);
    expect(deliveryMethodIdsOf(undefined)).toEqual([]);
    expect(
      unionOfMethods([NO_RECORDING, null, { ...NO_RECORDING, deliveryMethodIds: ['junk', M1] }]),
    ).toEqual([M1]);
  });
});

describe('the file name', () => {
  it('says when, who called whom and which recording', () => {
    expect(deliveryFileName(rec, 'mp3')).toBe('recording-2026-11-21T101500Z-+37120000001-201-456789ab.mp3');
  });

  it('keeps only safe characters of the numbers, whatever SIP brought', () => {
    const odd = { ...rec, callerNumber: '../../etc/passwd\r\n', calleeNumber: '"><' };
    const name = deliveryFileName(odd, 'wav');
    expect(name).toBe('recording-2026-11-21T101500Z-etcpasswd-unknown-456789ab.wav');
    expect(name).toMatch(/^[A-Za-z0-9+.-]+$/);
  });
});

describe('the mail', () => {
  it('goes to each address with the file attached', () => {
    const file = Buffer.alloc(1000, 1);
    const mails = recordingMails(rec, ['a@acme.example', 'b@acme.example'], 'mp3', file);
    expect(mails.map((m) => m.to)).toEqual(['a@acme.example', 'b@acme.example']);
    const [m] = mails;
    expect(m?.subject).toBe('Call recording: +37120000001 to 201 (2:34)');
    expect(m?.text).toContain('Started:   2026-11-21 10:15:00 UTC');
    expect(m?.attachments).toEqual([
      { filename: deliveryFileName(rec, 'mp3'), contentType: 'audio/mpeg', content: file },
    ]);
  });

  it('says so instead of attaching a file larger than a mail may carry', () => {
    const file = Buffer.alloc(MAX_ATTACHMENT_BYTES + 1);
    const [m] = recordingMails({ ...rec, durationMs: 3_723_000 }, ['a@acme.example'], 'wav', file);
    expect(m?.attachments).toEqual([]);
    expect(m?.subject).toBe('Call recording: +37120000001 to 201 (1:02:03)');
    expect(m?.text).toMatch(/larger than the 20\.0 MB a mail may carry/);
  });

  it('keeps control characters out of the subject', () => {
    const [m] = recordingMails(
      { ...rec, callerNumber: '201\r\nBcc: x@evil.example' },
      ['a@acme.example'],
      'mp3',
      Buffer.alloc(1),
    );
    expect(m?.subject).not.toMatch(/[\r\n]/);
  });
});

describe('the server a method points at', () => {
  const base = {
    id: M1,
    name: 'Vault',
    settings: { host: 'h.example', port: 22, username: 'u', directory: '/in', format: 'mp3' as const },
  };
  const KEY =
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

  it('logs in to SFTP with a key when the secret is one, else with it as the password', () => {
    expect(isPrivateKey(KEY)).toBe(true);
    expect(isPrivateKey('hunter2hunter2')).toBe(false);
    expect(remoteTarget({ ...base, kind: 'sftp', secret: KEY })).toEqual({
      protocol: 'sftp',
      host: 'h.example',
      port: 22,
      username: 'u',
      directory: '/in',
      privateKey: KEY,
    });
    const withPassword = remoteTarget({
      ...base,
      kind: 'sftp',
      secret: 'hunter2hunter2',
      settings: { ...base.settings, hostKeySha256: `SHA256:${'A'.repeat(43)}` },
    });
    expect(withPassword).toMatchObject({
      password: 'hunter2hunter2',
      hostKeySha256: `SHA256:${'A'.repeat(43)}`,
    });
    expect(withPassword.privateKey).toBeUndefined();
  });

  it('checks an FTPS certificate unless the method says not to; FTP ignores the setting', () => {
    expect(
      remoteTarget({ ...base, kind: 'ftps', secret: 'pw', settings: { ...base.settings, port: 21 } })
        .rejectUnauthorized,
    ).toBeUndefined();
    expect(
      remoteTarget({
        ...base,
        kind: 'ftps',
        secret: 'pw',
        settings: { ...base.settings, verifyCertificate: false },
      }).rejectUnauthorized,
    ).toBe(false);
    expect(
      remoteTarget({
        ...base,
        kind: 'ftp',
        secret: 'pw',
        settings: { ...base.settings, verifyCertificate: false },
      }).rejectUnauthorized,
    ).toBeUndefined();
  });

  it('gives large files more time, up to the transfer service’s hour', () => {
    expect(uploadTimeoutMs(0, 60_000)).toBe(60_000);
    expect(uploadTimeoutMs(32 * 60_000, 60_000)).toBe(120_000);
    expect(uploadTimeoutMs(10 * 1024 ** 3, 60_000)).toBe(3_600_000);
  });

  it('never puts the secret into the delivery log', () => {
    expect(
      describeFailure(new Error('530 Login incorrect for user u pass hunter2hunter2\n'), 'hunter2hunter2'),
    ).toBe('530 Login incorrect for user u pass ***');
  });
});
