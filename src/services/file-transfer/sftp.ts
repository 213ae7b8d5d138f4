// SFTP (SSH File Transfer Protocol, draft-ietf-secsh-filexfer-02, as OpenSSH speaks it)
// through ssh2's client.
//
// Host keys: Switchboard has no known-hosts store yet, so any host key is accepted unless
// the target pins one (hostKeySha256). Without a pin the connection is encrypted but not
// authenticated: a machine in the path could pose as the server and receive the file and
// the password. The fingerprint seen is kept so a later known-hosts store (trust on first
// use) can record it.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Client, type SFTPWrapper } from 'ssh2';
import { FileTransferError, messageOf, socketError } from './errors.ts';
import type { RemoteSession } from './session.ts';
import { fingerprintBody, type RemoteDirectory, type RemoteTarget } from './target.ts';

/** SSH_FX_NO_SUCH_FILE (filexfer-02 §7). */
const NO_SUCH_FILE = 2;

export class SftpSession implements RemoteSession {
  private readonly conn = new Client();
  private sftp: SFTPWrapper | undefined;
  private readonly where: string;
  private directory = '';
  /** "SHA256:<base64>" of the key the server presented. */
  private seenHostKey: string | undefined;
  private hostKeyMismatch = false;
  private started = false;
  private closed = false;
  private readonly whenClosed: Promise<void>;

  constructor(
    private readonly target: RemoteTarget,
    private readonly timeoutMs: number,
  ) {
    this.where = `SFTP server ${target.host}:${target.port}`;
    this.whenClosed = new Promise((resolve) => this.conn.once('close', () => resolve()));
  }

  open(): Promise<void> {
    const { host, port, username, password, privateKey, hostKeySha256 } = this.target;
    const pinned = hostKeySha256 ? fingerprintBody(hostKeySha256) : undefined;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: FileTransferError) => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      this.conn.on('error', (err: Error & { level?: string }) => fail(this.connectFailure(err)));
      this.conn.once('close', () =>
        fail(
          new FileTransferError('connect', `${this.where} closed the connection before the login finished`),
        ),
      );
      this.conn.once('ready', () => {
        this.conn.sftp((err, sftp) => {
          if (err) {
            fail(new FileTransferError('connect', `${this.where} does not offer SFTP: ${messageOf(err)}`));
            return;
          }
          // Failures reach the callbacks of the pending requests; an 'error' event without a
          // listener would throw instead.
          sftp.on('error', () => undefined);
          this.sftp = sftp;
          settled = true;
          resolve();
        });
      });
      // Servers that take passwords only through keyboard-interactive (RFC 4256) ask for it
      // in a prompt; answer every prompt with the password.
      this.conn.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
        finish(prompts.map(() => password ?? ''));
      });
      try {
        this.conn.connect({
          host,
          port,
          username,
          ...(password ? { password, tryKeyboard: true } : {}),
          ...(privateKey ? { privateKey } : {}),
          // Our caller's deadline is the real bound; this only keeps ssh2 from waiting forever
          // on its own, so it is set just past it.
          readyTimeout: this.timeoutMs + 1000,
          // No known-hosts store yet: any key is accepted unless one is pinned (see top).
          hostVerifier: (key: Buffer) => {
            const body = createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
            this.seenHostKey = `SHA256:${body}`;
            if (pinned && body !== pinned) {
              this.hostKeyMismatch = true;
              return false;
            }
            return true;
          },
        });
        // From here on the connection has a socket, whose 'close' close() waits for.
        this.started = true;
      } catch (err) {
        // ssh2 checks its settings before it connects (the key was already read by the
        // input checks, so this is not expected).
        fail(new FileTransferError('invalid', `${this.where}: cannot start SSH: ${messageOf(err)}`));
      }
    });
  }

  async enterDirectory(directory: RemoteDirectory): Promise<void> {
    // SFTP has no working directory: names are joined to this path. A relative path starts
    // at the login directory (OpenSSH's sftp-server resolves it against the home directory).
    let path = directory.absolute ? '/' : '';
    for (const segment of directory.segments) {
      path = path === '' ? segment : posix.join(path, segment);
      const kind = await this.kindOf(path);
      if (kind === 'directory') continue;
      const shown = (directory.absolute ? '/' : '') + directory.segments.join('/');
      if (kind === 'other') {
        throw new FileTransferError(
          'write',
          `${this.where}: cannot create the directory "${shown}": "${path}" is a file`,
        );
      }
      await this.call(
        (cb) => this.session().mkdir(path, cb),
        `cannot create the directory "${shown}" (at "${path}")`,
      );
    }
    this.directory = path;
  }

  async write(name: string, data: Buffer): Promise<void> {
    const path = this.path(name);
    await this.call((cb) => this.session().writeFile(path, data, cb), `cannot write the file "${path}"`);
  }

  async replace(from: string, to: string): Promise<void> {
    const src = this.path(from);
    const dst = this.path(to);
    const what = `cannot rename "${src}" to "${dst}"`;
    const sftp = this.session();
    try {
      // posix-rename@openssh.com replaces the destination in one step; plain SSH_FXP_RENAME
      // (filexfer-02 §6.5) fails when the destination exists.
      await this.call((cb) => sftp.ext_openssh_rename(src, dst, cb), what);
      return;
    } catch (err) {
      // ssh2 throws (not calls back) when the server lacks the extension.
      if (err instanceof FileTransferError) throw err;
    }
    try {
      await this.call((cb) => sftp.rename(src, dst, cb), what);
    } catch {
      await this.call((cb) => sftp.unlink(dst, cb), what).catch(() => undefined);
      await this.call((cb) => sftp.rename(src, dst, cb), what);
    }
  }

  async remove(name: string): Promise<void> {
    const path = this.path(name);
    await this.call((cb) => this.session().unlink(path, cb), `cannot delete "${path}"`);
  }

  async close(abrupt = false): Promise<void> {
    if (!this.started) return;
    if (!this.closed) {
      this.closed = true;
      if (abrupt) this.conn.destroy();
      else {
        // A polite SSH_MSG_DISCONNECT, then the socket closes; destroy if the server lingers.
        this.conn.end();
        const timer = setTimeout(() => this.conn.destroy(), 2000);
        await this.whenClosed;
        clearTimeout(timer);
      }
    }
    await this.whenClosed;
  }

  private session(): SFTPWrapper {
    if (!this.sftp) throw new FileTransferError('connect', `${this.where}: not connected`);
    return this.sftp;
  }

  private path(name: string): string {
    return this.directory === '' ? name : posix.join(this.directory, name);
  }

  private async kindOf(path: string): Promise<'directory' | 'other' | 'missing'> {
    return new Promise((resolve, reject) => {
      this.session().stat(path, (err, stats) => {
        if (!err) resolve(stats.isDirectory() ? 'directory' : 'other');
        else if ((err as { code?: unknown }).code === NO_SUCH_FILE) resolve('missing');
        else reject(this.writeFailure(err, `cannot look at "${path}"`));
      });
    });
  }

  private call(run: (cb: (err?: Error | null) => void) => void, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      run((err) => (err ? reject(this.writeFailure(err, what)) : resolve()));
    });
  }

  private writeFailure(err: Error, what: string): FileTransferError {
    // SFTP status errors carry the server's text ("Permission denied", "No such file").
    return new FileTransferError('write', `${this.where}: ${what}: ${messageOf(err)}`);
  }

  private connectFailure(err: Error & { level?: string }): FileTransferError {
    if (this.hostKeyMismatch) {
      return new FileTransferError(
        'connect',
        `${this.where} presented host key ${this.seenHostKey}, not the pinned ${this.target.hostKeySha256}: refused`,
      );
    }
    if (err.level === 'client-authentication') {
      const tried = [this.target.password ? 'password' : '', this.target.privateKey ? 'private key' : '']
        .filter(Boolean)
        .join(' and ');
      return new FileTransferError(
        'auth',
        `${this.where} refused the login of user "${this.target.username}" (tried ${tried})`,
      );
    }
    if (err.level === 'client-timeout') {
      return new FileTransferError('timeout', `${this.where}: the SSH handshake did not finish in time`);
    }
    return (
      socketError(err, `${this.where}: cannot connect`) ??
      new FileTransferError('connect', `${this.where}: cannot connect: ${messageOf(err)}`)
    );
  }
}
