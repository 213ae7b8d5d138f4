// Uploads to a real SFTP server: OpenSSH's sshd started by the test on a loopback port, with
// its own host key and one authorized client key. The bytes on disk are the bytes sent,
// missing directories are made, a wrong key or a pinned host key that does not match is
// refused with its code, and no socket stays open afterwards.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkTarget,
  type RemoteTarget,
  type TransferFailure,
  uploadFile,
} from '../../src/services/file-transfer/index.ts';
import { freeTcpPort, type SftpServer, startSftpServer } from '../helpers/file-servers.ts';
import { failure, openSockets, payload } from '../helpers/transfer-checks.ts';

/** A key the server has never seen, in PEM (PKCS#1) as ssh2 reads it. */
function strangerKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
}

describe('SFTP upload (OpenSSH sshd)', () => {
  let server: SftpServer;
  let target: RemoteTarget;
  beforeAll(async () => {
    server = await startSftpServer();
    target = {
      protocol: 'sftp',
      host: server.host,
      port: server.port,
      username: server.username,
      privateKey: server.privateKey,
      directory: server.root,
    };
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('puts the exact bytes into the directory and leaves no temporary file', async () => {
    const before = openSockets();
    const data = payload(300_000, 13);
    await uploadFile(target, 'call-0001.wav', data);
    expect(readFileSync(join(server.root, 'call-0001.wav')).equals(data)).toBe(true);
    expect(readdirSync(server.root)).toEqual(['call-0001.wav']);
    expect(openSockets()).toBe(before);
  });

  it('creates a missing nested directory', async () => {
    const data = payload(2000);
    await uploadFile({ ...target, directory: `${server.root}/recordings/2026/11/` }, 'a.mp3', data);
    expect(readFileSync(join(server.root, 'recordings/2026/11/a.mp3')).equals(data)).toBe(true);
    expect(readdirSync(join(server.root, 'recordings/2026/11'))).toEqual(['a.mp3']);
  });

  it('replaces a file of the same name', async () => {
    const dir = { ...target, directory: `${server.root}/replace` };
    await uploadFile(dir, 'same.wav', Buffer.from('first version, longer than the second'));
    await uploadFile(dir, 'same.wav', Buffer.from('second'));
    expect(readFileSync(join(server.root, 'replace/same.wav'), 'utf8')).toBe('second');
    expect(readdirSync(join(server.root, 'replace'))).toEqual(['same.wav']);
  });

  it('accepts the host key when it matches the pinned fingerprint', async () => {
    await uploadFile({ ...target, hostKeySha256: server.hostKeySha256 }, 'pinned.wav', payload(100));
    expect(existsSync(join(server.root, 'pinned.wav'))).toBe(true);
  });

  it('refuses a host key that does not match the pinned fingerprint, as connect', async () => {
    const other = `SHA256:${'A'.repeat(43)}`;
    const err = await failure(uploadFile({ ...target, hostKeySha256: other }, 'mitm.wav', payload(100)));
    expect(err.code).toBe<TransferFailure>('connect');
    expect(err.message).toContain(`presented host key ${server.hostKeySha256}, not the pinned ${other}`);
    expect(existsSync(join(server.root, 'mitm.wav'))).toBe(false);
  });

  it('refuses a key the server does not know as auth, without the key in the error', async () => {
    const before = openSockets();
    const key = strangerKey();
    const err = await failure(uploadFile({ ...target, privateKey: key }, 'x.wav', payload(10)));
    expect(err.code).toBe<TransferFailure>('auth');
    expect(err.message).toContain(`refused the login of user "${server.username}"`);
    const shown = inspect(err);
    expect(shown).not.toContain('PRIVATE KEY');
    expect(shown).not.toContain(key.split('\n')[1]);
    expect(openSockets()).toBe(before);
  });

  it('refuses a password where the server takes keys only, as auth, without the password in the error', async () => {
    const password = 'Not-Accepted-Here-99';
    const err = await failure(
      uploadFile({ ...target, privateKey: undefined, password }, 'x.wav', payload(10)),
    );
    expect(err.code).toBe<TransferFailure>('auth');
    expect(inspect(err)).not.toContain(password);
  });

  it('reports nothing listening as connect', async () => {
    const port = await freeTcpPort();
    const err = await failure(uploadFile({ ...target, port }, 'x.wav', payload(10)));
    expect(err.code).toBe<TransferFailure>('connect');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('connection refused');
  });

  it('reports a directory that cannot be made as write', async () => {
    writeFileSync(join(server.root, 'blocker'), 'a file where a directory should be');
    const err = await failure(
      uploadFile({ ...target, directory: `${server.root}/blocker/sub` }, 'x.wav', payload(10)),
    );
    expect(err.code).toBe<TransferFailure>('write');
    expect(err.message).toContain('is a file');
  });

  it('never leaves a half-done file: a failed rename removes the temporary file', async () => {
    mkdirSync(join(server.root, 'taken/call.wav'), { recursive: true });
    writeFileSync(join(server.root, 'taken/call.wav/keep'), 'makes the directory non-empty');
    const err = await failure(
      uploadFile({ ...target, directory: `${server.root}/taken` }, 'call.wav', payload(5000)),
    );
    expect(err.code).toBe<TransferFailure>('write');
    expect(err.message).toContain('cannot rename');
    expect(readdirSync(join(server.root, 'taken'))).toEqual(['call.wav']);
  });

  it('checkTarget passes on a writable directory, creates it, and leaves nothing behind', async () => {
    await checkTarget({ ...target, directory: `${server.root}/checked` });
    expect(readdirSync(join(server.root, 'checked'))).toEqual([]);
  });

  it('checkTarget reports a wrong key as auth', async () => {
    const err = await failure(checkTarget({ ...target, privateKey: strangerKey() }));
    expect(err.code).toBe<TransferFailure>('auth');
  });
});
