// What every protocol shares: bad input is refused before any connection is opened, a server
// that never answers runs into the deadline, an abort ends the transfer, and in both cases
// the connection is closed (the server sees it go). The peers with real servers are in
// file-transfer-ftp.test.ts and file-transfer-sftp.test.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkTarget,
  DEFAULT_PORTS,
  FileTransferError,
  type RemoteTarget,
  type TransferFailure,
  uploadFile,
} from '../../src/services/file-transfer/index.ts';

async function failure(promise: Promise<unknown>): Promise<FileTransferError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FileTransferError);
  return err as FileTransferError;
}

/**
 * A TCP server that accepts connections and never says a word (no FTP banner, no SSH ident),
 * in a child process so that every TCP socket left in this process is one of ours. It
 * prints its port, then "open" and "closed" for each connection.
 */
const SILENT_PEER = `
import socket, threading
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
def serve(c):
    while c.recv(65536):
        pass
    print("closed", flush=True)
while True:
    c, _ = s.accept()
    print("open", flush=True)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
`;

class SilentServer {
  port = 0;
  opened = 0;
  closed = 0;
  private child: ChildProcess | undefined;
  private listeners: (() => void)[] = [];

  async start(): Promise<void> {
    const child = spawn('/usr/bin/python3', ['-c', SILENT_PEER], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    const lines = createInterface({ input: child.stdout! });
    this.port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`silent peer exited (${code})`)));
      lines.once('line', (line) => resolve(Number(line)));
    });
    lines.on('line', (line) => {
      if (line === 'open') this.opened++;
      if (line === 'closed') this.closed++;
      for (const l of this.listeners.splice(0)) l();
    });
  }
  /** Resolves once `count` connections have been opened (or closed) in all. */
  async until(what: 'opened' | 'closed', count: number): Promise<void> {
    while (this[what] < count) await new Promise<void>((resolve) => this.listeners.push(resolve));
  }
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
  }
}

/** TCP sockets open in this process: only clients here, the peer is another process. */
function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length;
}

describe('file transfer input checks', () => {
  let silent: SilentServer;
  let ftp: RemoteTarget;
  let sftp: RemoteTarget;
  beforeAll(async () => {
    silent = new SilentServer();
    await silent.start();
    ftp = {
      protocol: 'ftp',
      host: '127.0.0.1',
      port: silent.port,
      username: 'u',
      password: 'secret-pass',
      directory: 'rec',
    };
    sftp = { ...ftp, protocol: 'sftp' };
  });
  afterAll(async () => {
    await silent?.stop();
  });

  it('default ports are 21 for FTP and FTPS, 22 for SFTP', () => {
    expect(DEFAULT_PORTS).toEqual({ ftp: 21, ftps: 21, sftp: 22 });
  });

  const badNames: [string, string, RegExp][] = [
    ['empty', '', /file name is empty/],
    ['a slash', 'a/b.wav', /must not contain "\/"/],
    ['a backslash', 'a\\b.wav', /must not contain "\/" or "\\"/],
    ['..', '..', /must not contain "\.\."/],
    ['.. inside', 'a..b.wav', /must not contain "\.\."/],
    ['CR LF (a second FTP command)', 'x.wav\r\nDELE important.wav', /control characters/],
    ['NUL', 'x\0.wav', /control characters/],
    ['201 characters', `${'x'.repeat(197)}.wav`, /longer than 200/],
    ['a leading space', ' x.wav', /starts or ends with a space/],
  ];
  for (const [what, name, message] of badNames) {
    it(`refuses a file name with ${what}, without connecting`, async () => {
      const err = await failure(uploadFile(ftp, name, Buffer.from('x')));
      expect(err.code).toBe<TransferFailure>('invalid');
      expect(err.message).toMatch(message);
      expect(silent.opened).toBe(0);
    });
  }

  const badTargets: [string, () => RemoteTarget, RegExp][] = [
    [
      'an unknown protocol',
      () => ({ ...ftp, protocol: 'http' as 'ftp' }),
      /protocol must be ftp, ftps or sftp/,
    ],
    ['an empty host', () => ({ ...ftp, host: ' ' }), /host is empty/],
    ['a 254-character host', () => ({ ...ftp, host: `${'a'.repeat(250)}.com` }), /host is longer than 253/],
    ['a host with a space', () => ({ ...ftp, host: 'ftp example.com' }), /host contains spaces/],
    ['port 0', () => ({ ...ftp, port: 0 }), /port must be a number from 1 to 65535/],
    ['port 65536', () => ({ ...ftp, port: 65536 }), /port must be a number from 1 to 65535/],
    ['port 21.5', () => ({ ...ftp, port: 21.5 }), /port must be a number/],
    ['an empty username', () => ({ ...ftp, username: '' }), /username is empty/],
    ['a username with CR LF', () => ({ ...ftp, username: 'u\r\nPASS x' }), /username contains control/],
    [
      'a password with a line break',
      () => ({ ...ftp, password: 'pw\r\nDELE x' }),
      /password contains a line break/,
    ],
    [
      'a ".." directory segment',
      () => ({ ...ftp, directory: 'rec/../../etc' }),
      /must not contain "\.\." segments/,
    ],
    [
      'a backslash in the directory',
      () => ({ ...ftp, directory: 'rec\\..\\x' }),
      /separate directories with "\/"/,
    ],
    [
      'a 501-character directory',
      () => ({ ...ftp, directory: 'd'.repeat(501) }),
      /directory is longer than 500/,
    ],
    [
      'a control character in the directory',
      () => ({ ...ftp, directory: 'rec\nx' }),
      /directory contains control/,
    ],
    [
      'SFTP without password or key',
      () => ({ ...sftp, password: undefined }),
      /needs a password or a private key/,
    ],
    [
      'SFTP with unreadable key text',
      () => ({ ...sftp, privateKey: 'not a key' }),
      /private key cannot be read/,
    ],
    [
      'SFTP with a malformed host key pin',
      () => ({ ...sftp, hostKeySha256: 'MD5:aa:bb' }),
      /host key fingerprint must look like SHA256:/,
    ],
  ];
  for (const [what, make, message] of badTargets) {
    it(`refuses a target with ${what}, without connecting (upload and check)`, async () => {
      const upload = await failure(uploadFile(make(), 'x.wav', Buffer.from('x')));
      expect(upload.code).toBe<TransferFailure>('invalid');
      expect(upload.message).toMatch(message);
      const check = await failure(checkTarget(make()));
      expect(check.code).toBe<TransferFailure>('invalid');
      expect(silent.opened).toBe(0);
    });
  }

  it('never repeats the password in a validation message', async () => {
    const password = 'Very-Secret\nSecond-Line';
    const err = await failure(uploadFile({ ...ftp, password }, 'x.wav', Buffer.from('x')));
    expect(err.message).not.toContain('Very-Secret');
  });

  it('refuses a timeout that is not a positive whole number of milliseconds', async () => {
    const err = await failure(uploadFile(ftp, 'x.wav', Buffer.from('x'), { timeoutMs: 0 }));
    expect(err.code).toBe<TransferFailure>('invalid');
    expect(silent.opened).toBe(0);
  });

  it('does not connect when the signal is already aborted', async () => {
    const err = await failure(uploadFile(ftp, 'x.wav', Buffer.from('x'), { signal: AbortSignal.abort() }));
    expect(err.code).toBe<TransferFailure>('timeout');
    expect(err.message).toContain('cancelled');
    expect(silent.opened).toBe(0);
  });
});

describe('file transfer deadline and abort', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = new SilentServer();
    await silent.start();
  });
  afterAll(async () => {
    await silent?.stop();
  });

  const targets: Record<'ftp' | 'ftps' | 'sftp', () => RemoteTarget> = {
    ftp: () => ({
      protocol: 'ftp',
      host: '127.0.0.1',
      port: silent.port,
      username: 'u',
      password: 'p',
      directory: '',
    }),
    ftps: () => ({
      protocol: 'ftps',
      host: '127.0.0.1',
      port: silent.port,
      username: 'u',
      password: 'p',
      directory: '',
    }),
    sftp: () => ({
      protocol: 'sftp',
      host: '127.0.0.1',
      port: silent.port,
      username: 'u',
      password: 'p',
      directory: '',
    }),
  };

  for (const protocol of ['ftp', 'ftps', 'sftp'] as const) {
    it(`${protocol}: gives up at the deadline when the server never answers, and hangs up`, async () => {
      const before = openSockets();
      const opened = silent.opened;
      const err = await failure(
        uploadFile(targets[protocol](), 'x.wav', Buffer.from('x'), { timeoutMs: 400 }),
      );
      expect(err.code).toBe<TransferFailure>('timeout');
      expect(err.message).toContain('gave up after 400 ms');
      expect(silent.opened).toBe(opened + 1);
      // Closed by the time the promise settles, and the server sees the hang-up.
      expect(openSockets()).toBe(before);
      await silent.until('closed', opened + 1);
    });

    it(`${protocol}: an abort ends the transfer as 'timeout' (cancelled), and hangs up`, async () => {
      const before = openSockets();
      const opened = silent.opened;
      const controller = new AbortController();
      const upload = failure(
        uploadFile(targets[protocol](), 'x.wav', Buffer.from('x'), { signal: controller.signal }),
      );
      await silent.until('opened', opened + 1);
      controller.abort();
      const err = await upload;
      expect(err.code).toBe<TransferFailure>('timeout');
      expect(err.message).toContain('cancelled');
      expect(openSockets()).toBe(before);
      await silent.until('closed', opened + 1);
    });
  }

  it('checkTarget has the same deadline', async () => {
    const before = openSockets();
    const opened = silent.opened;
    const err = await failure(checkTarget(targets.sftp(), { timeoutMs: 300 }));
    expect(err.code).toBe<TransferFailure>('timeout');
    expect(openSockets()).toBe(before);
    await silent.until('closed', opened + 1);
  });
});
