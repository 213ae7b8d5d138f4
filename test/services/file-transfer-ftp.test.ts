// Uploads to real FTP and FTPS servers (pyftpdlib) on loopback: the bytes on the server's
// disk are the bytes sent, missing directories are made, no temporary file is left behind,
// and each kind of failure comes back with its code, its plain message and no password.
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
import { type FtpServer, freeTcpPort, startFtpServer } from '../helpers/file-servers.ts';
import { failure, openSockets, payload } from '../helpers/transfer-checks.ts';

function targetOf(server: FtpServer, protocol: 'ftp' | 'ftps', directory = ''): RemoteTarget {
  return {
    protocol,
    host: server.host,
    port: server.port,
    username: server.username,
    password: server.password,
    directory,
  };
}

describe('FTP upload (pyftpdlib)', () => {
  let server: FtpServer;
  let readOnly: FtpServer;
  beforeAll(async () => {
    [server, readOnly] = await Promise.all([startFtpServer(), startFtpServer({ writable: false })]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), readOnly?.stop()]);
  });

  it('puts the exact bytes into the login directory and leaves no temporary file', async () => {
    const before = openSockets();
    const data = payload();
    await uploadFile(targetOf(server, 'ftp'), 'call-0001.wav', data);
    expect(readFileSync(join(server.root, 'call-0001.wav')).equals(data)).toBe(true);
    expect(readdirSync(server.root)).toEqual(['call-0001.wav']);
    expect(openSockets()).toBe(before);
  });

  it('creates a missing nested directory, relative or absolute', async () => {
    const data = payload(1000);
    await uploadFile(targetOf(server, 'ftp', 'recordings/2026/11'), 'a.mp3', data);
    expect(readFileSync(join(server.root, 'recordings/2026/11/a.mp3')).equals(data)).toBe(true);
    // pyftpdlib's "/" is the user's home, so an absolute path lands under it too.
    await uploadFile(targetOf(server, 'ftp', '/abs/dir/'), 'b.mp3', data);
    expect(readFileSync(join(server.root, 'abs/dir/b.mp3')).equals(data)).toBe(true);
    expect(readdirSync(join(server.root, 'abs/dir'))).toEqual(['b.mp3']);
  });

  it('replaces a file of the same name', async () => {
    const target = targetOf(server, 'ftp', 'replace');
    await uploadFile(target, 'same.wav', Buffer.from('first version, longer than the second'));
    await uploadFile(target, 'same.wav', Buffer.from('second'));
    expect(readFileSync(join(server.root, 'replace/same.wav'), 'utf8')).toBe('second');
    expect(readdirSync(join(server.root, 'replace'))).toEqual(['same.wav']);
  });

  it('uploads an empty file', async () => {
    await uploadFile(targetOf(server, 'ftp', 'empty'), 'zero.wav', Buffer.alloc(0));
    expect(readFileSync(join(server.root, 'empty/zero.wav')).length).toBe(0);
  });

  it('refuses a wrong password as auth, without the password in the error', async () => {
    const wrong = 'Wrong-Secret-4711';
    const before = openSockets();
    const err = await failure(
      uploadFile({ ...targetOf(server, 'ftp'), password: wrong }, 'x.wav', payload(10)),
    );
    expect(err.code).toBe<TransferFailure>('auth');
    expect(err.message).toContain('refused the login of user "recordings"');
    expect(inspect(err)).not.toContain(wrong);
    expect(existsSync(join(server.root, 'x.wav'))).toBe(false);
    expect(openSockets()).toBe(before);
  });

  it('reports nothing listening as connect', async () => {
    const port = await freeTcpPort();
    const err = await failure(uploadFile({ ...targetOf(server, 'ftp'), port }, 'x.wav', payload(10)));
    expect(err.code).toBe<TransferFailure>('connect');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('connection refused');
  });

  it('reports a directory that cannot be made as write', async () => {
    writeFileSync(join(server.root, 'blocker'), 'a file where a directory should be');
    const err = await failure(uploadFile(targetOf(server, 'ftp', 'blocker/sub'), 'x.wav', payload(10)));
    expect(err.code).toBe<TransferFailure>('write');
    expect(err.message).toContain('cannot create or enter the directory "blocker/sub"');
  });

  it('never leaves a half-done file: a failed rename removes the temporary file', async () => {
    // A directory already has the final name: RNTO onto it fails, and so does DELE.
    mkdirSync(join(server.root, 'taken/call.wav'), { recursive: true });
    const err = await failure(uploadFile(targetOf(server, 'ftp', 'taken'), 'call.wav', payload(5000)));
    expect(err.code).toBe<TransferFailure>('write');
    expect(err.message).toContain('cannot rename');
    expect(readdirSync(join(server.root, 'taken'))).toEqual(['call.wav']);
    expect(readdirSync(join(server.root, 'taken/call.wav'))).toEqual([]);
  });

  it('reports a server that refuses writing as write (upload and connection test)', async () => {
    const target = targetOf(readOnly, 'ftp');
    const upload = await failure(uploadFile(target, 'x.wav', payload(10)));
    expect(upload.code).toBe<TransferFailure>('write');
    expect(upload.message).toMatch(/cannot write the file .*: "550 /);
    const check = await failure(checkTarget(target));
    expect(check.code).toBe<TransferFailure>('write');
    expect(readdirSync(readOnly.root)).toEqual([]);
  });

  it('checkTarget passes on a writable directory, creates it, and leaves nothing behind', async () => {
    await checkTarget(targetOf(server, 'ftp', 'checked/here'));
    expect(readdirSync(join(server.root, 'checked/here'))).toEqual([]);
  });

  it('checkTarget reports a wrong password as auth', async () => {
    const err = await failure(checkTarget({ ...targetOf(server, 'ftp'), password: 'nope-nope' }));
    expect(err.code).toBe<TransferFailure>('auth');
  });

  it('refuses FTPS against a server that has no TLS', async () => {
    const err = await failure(uploadFile(targetOf(server, 'ftps'), 'x.wav', payload(10)));
    expect(err.code).toBe<TransferFailure>('connect');
    expect(err.message).toContain('does not offer FTPS');
  });
});

describe('FTPS upload (pyftpdlib with TLS required on control and data connections)', () => {
  let server: FtpServer;
  beforeAll(async () => {
    server = await startFtpServer({ tls: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('uploads over TLS once the self-signed certificate is accepted', async () => {
    const before = openSockets();
    const data = payload();
    await uploadFile(
      { ...targetOf(server, 'ftps', 'secure/in'), rejectUnauthorized: false },
      'call.wav',
      data,
    );
    expect(readFileSync(join(server.root, 'secure/in/call.wav')).equals(data)).toBe(true);
    expect(readdirSync(join(server.root, 'secure/in'))).toEqual(['call.wav']);
    expect(openSockets()).toBe(before);
  });

  it('refuses the self-signed certificate by default', async () => {
    const err = await failure(uploadFile(targetOf(server, 'ftps'), 'x.wav', payload(10)));
    expect(err.code).toBe<TransferFailure>('connect');
    expect(err.message).toContain('TLS certificate is not trusted');
    expect(existsSync(join(server.root, 'x.wav'))).toBe(false);
  });

  it('refuses plain FTP where the server requires TLS, as auth', async () => {
    // pyftpdlib answers USER on a plain connection with 550 "SSL/TLS required".
    const err = await failure(uploadFile(targetOf(server, 'ftp'), 'x.wav', payload(10)));
    expect(err.code).toBe<TransferFailure>('auth');
    expect(err.message).toMatch(/SSL\/TLS required/i);
  });

  it('reports a wrong password over TLS as auth', async () => {
    const err = await failure(
      checkTarget({ ...targetOf(server, 'ftps'), rejectUnauthorized: false, password: 'not-the-one' }),
    );
    expect(err.code).toBe<TransferFailure>('auth');
  });
});
