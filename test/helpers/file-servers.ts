// Real FTP, FTPS and SFTP servers on loopback for tests: pyftpdlib (Debian's
// python3-pyftpdlib, run with /usr/bin/python3, not a pyenv python3 on PATH) and OpenSSH's
// sshd run as an ordinary child process (not the system service). Each server gets a fresh
// temp directory and a free port, and stop() ends it and removes the directory.
//
// Findings:
// - `python3 -m pyftpdlib` (1.5.7) has no TLS options; FTPS runs test/helpers/ftps-server.py,
//   which configures pyftpdlib's own TLS_FTPHandler and needs python3-openssl.
// - pyftpdlib prints ">>> starting FTP server on 127.0.0.1:PORT" (or "FTP+SSL") on stderr
//   once it listens; sshd -D -e prints "Server listening on 127.0.0.1 port PORT.".
// - sshd wants an absolute path to itself (it re-executes itself per connection) and, when
//   started as root, the privilege separation directory /run/sshd.
// - The SFTP user is whoever runs the tests (root here): sshd can only log in as other users
//   when it runs as root. Relative SFTP paths start at that user's home directory, so
//   tests upload to `root`, an absolute temp directory.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SSHD = '/usr/sbin/sshd';
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';
const FTPS_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'ftps-server.py');
const START_TIMEOUT_MS = 15_000;

export interface FtpServer {
  host: '127.0.0.1';
  port: number;
  username: string;
  password: string;
  /** The directory the FTP user logs into ("" or "/" on the wire), on local disk. */
  root: string;
  /** FTPS only: the self-signed certificate (PEM) the server presents, for 127.0.0.1. */
  certificate?: string;
  stop(): Promise<void>;
}

export interface SftpServer {
  host: '127.0.0.1';
  port: number;
  username: string;
  /** OpenSSH private key text of a key the server accepts. */
  privateKey: string;
  /** The server's host key fingerprint, as `ssh-keygen -lf` prints it ("SHA256:..."). */
  hostKeySha256: string;
  /** An empty, writable absolute directory for uploads (pass it as the target's directory). */
  root: string;
  stop(): Promise<void>;
}

/**
 * pyftpdlib with one user. `tls`: explicit FTPS (AUTH TLS required, data connections too),
 * with a self-signed certificate. `writable: false`: the user may log in and list, not write.
 */
export async function startFtpServer(
  options: { tls?: boolean; writable?: boolean } = {},
): Promise<FtpServer> {
  const writable = options.writable ?? true;
  const work = await mkdtemp(join(tmpdir(), 'sb-ftp-'));
  const root = join(work, 'root');
  mkdirSync(root);
  const username = 'recordings';
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  let certificate: string | undefined;
  try {
    if (options.tls) {
      await run(PYTHON, ['-c', 'import OpenSSL']).catch(() => {
        throw new Error('the FTPS test server needs python3-openssl (pyftpdlib builds its TLS on pyOpenSSL)');
      });
      const cert = join(work, 'cert.pem');
      const key = join(work, 'key.pem');
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ]);
      certificate = await readFile(cert, 'utf8');
    }
    const { port, child } = await startOnFreePort(
      (port) =>
        options.tls
          ? [
              PYTHON,
              [
                FTPS_SCRIPT,
                String(port),
                username,
                password,
                root,
                join(work, 'cert.pem'),
                join(work, 'key.pem'),
                writable ? 'rw' : 'ro',
              ],
            ]
          : [
              PYTHON,
              [
                '-m',
                'pyftpdlib',
                '-i',
                '127.0.0.1',
                '-p',
                String(port),
                '-u',
                username,
                '-P',
                password,
                '-d',
                root,
                ...(writable ? ['-w'] : []),
              ],
            ],
      /starting FTP(\+SSL)? server on 127\.0\.0\.1:\d+/,
      /Address already in use/,
    );
    return {
      host: '127.0.0.1',
      port,
      username,
      password,
      root,
      ...(certificate ? { certificate } : {}),
      stop: async () => {
        await stopProcess(child);
        await rm(work, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** sshd with public key login for the current user and the sftp subsystem. */
export async function startSftpServer(): Promise<SftpServer> {
  const work = await mkdtemp(join(tmpdir(), 'sb-sftp-'));
  const root = join(work, 'root');
  mkdirSync(root);
  try {
    const hostKey = join(work, 'host_key');
    const clientKey = join(work, 'client_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'switchboard-test-host', '-f', hostKey]);
    await run('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'switchboard-test-client',
      '-f',
      clientKey,
    ]);
    await writeFile(join(work, 'authorized_keys'), await readFile(`${clientKey}.pub`));
    const { stdout: fingerprint } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`]);
    const hostKeySha256 = /SHA256:[A-Za-z0-9+/]{43}/.exec(fingerprint)?.[0];
    if (!hostKeySha256) throw new Error(`ssh-keygen printed no SHA256 fingerprint: ${fingerprint}`);
    if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
    const config = join(work, 'sshd_config');
    const { port, child } = await startOnFreePort(
      async (port) => {
        await writeFile(
          config,
          [
            `Port ${port}`,
            'ListenAddress 127.0.0.1',
            `HostKey ${hostKey}`,
            `AuthorizedKeysFile ${join(work, 'authorized_keys')}`,
            'PubkeyAuthentication yes',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'UsePAM no',
            'StrictModes no',
            // Root may log in with a key (the default since OpenSSH 7.0, said for clarity).
            'PermitRootLogin prohibit-password',
            `PidFile ${join(work, 'sshd.pid')}`,
            `Subsystem sftp ${SFTP_SERVER}`,
            'LogLevel INFO',
            '',
          ].join('\n'),
        );
        return [SSHD, ['-D', '-e', '-f', config]];
      },
      /Server listening on 127\.0\.0\.1 port \d+/,
      /Address already in use|Cannot bind any address/,
    );
    return {
      host: '127.0.0.1',
      port,
      username: userInfo().username,
      privateKey: await readFile(clientKey, 'utf8'),
      hostKeySha256,
      root,
      stop: async () => {
        await stopProcess(child);
        await rm(work, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it). */
export async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const address = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

type Command = [string, string[]];

/**
 * Starts a server on a free port and waits until it says it listens. Another process may
 * take the port between our check and the server's bind: then (`portTaken` in its output)
 * it is tried again on another port. Any other early exit throws with the server's output.
 */
async function startOnFreePort(
  command: (port: number) => Command | Promise<Command>,
  ready: RegExp,
  portTaken: RegExp,
): Promise<{ port: number; child: ChildProcess }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeTcpPort();
    const [cmd, args] = await command(port);
    try {
      return { port, child: await startProcess(cmd, args, ready) };
    } catch (err) {
      if (attempt < 5 && err instanceof PeerStartError && portTaken.test(err.output)) continue;
      throw err;
    }
  }
}

class PeerStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(`${message}\n--- its output ---\n${output}`);
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function startProcess(cmd: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new PeerStartError(`${cmd} did not report listening within ${START_TIMEOUT_MS} ms`, output));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
      if (ready.test(output)) {
        clearTimeout(timer);
        // Keep draining its output so a chatty server never blocks on a full pipe.
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new PeerStartError(`${cmd} could not be started: ${err.message}`, output));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new PeerStartError(`${cmd} ${args.join(' ')} exited (${signal ?? code}) before listening`, output),
      );
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
