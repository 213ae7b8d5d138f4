// FTP (RFC 959) and FTPS with explicit TLS (RFC 4217) through basic-ftp. Each step is done
// by hand instead of basic-ftp's access() so a failure is known to belong to connecting,
// the TLS upgrade or the login, and is reported as such.
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Client, FTPError } from 'basic-ftp';
import { FileTransferError, messageOf, socketError } from './errors.ts';
import type { RemoteSession } from './session.ts';
import type { RemoteDirectory, RemoteTarget } from './target.ts';

export class FtpSession implements RemoteSession {
  private readonly client: Client;
  private readonly where: string;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly target: RemoteTarget,
    timeoutMs: number,
  ) {
    // basic-ftp's timeout is per step (idle time on a socket); the caller bounds the total
    // and closes the connection itself, so this only has to be later than the caller's.
    this.client = new Client(timeoutMs + 1000);
    this.client.ftp.verbose = false;
    this.where = `${target.protocol.toUpperCase()} server ${target.host}:${target.port}`;
  }

  async open(): Promise<void> {
    const { host, port, username, password } = this.target;
    try {
      await this.client.connect(host, port);
    } catch (err) {
      throw this.failure(err, 'connect', 'cannot connect');
    } finally {
      this.track();
    }
    if (this.target.protocol === 'ftps') {
      try {
        // RFC 4217 §4: AUTH TLS, then the TLS handshake on the control connection; data
        // connections get TLS too (PROT P, sent by useDefaultSettings below).
        await this.client.useTLS({ host, rejectUnauthorized: this.target.rejectUnauthorized !== false });
      } catch (err) {
        if (err instanceof FTPError) {
          throw new FileTransferError(
            'connect',
            `${this.where} does not offer FTPS (explicit TLS): it answered AUTH TLS with "${reply(err)}"`,
          );
        }
        throw this.failure(err, 'connect', 'TLS handshake failed');
      } finally {
        this.track();
      }
    }
    // UTF-8 names (RFC 2640); servers that do not know OPTS UTF8 just refuse it.
    await this.step(
      () => this.client.sendIgnoringError('OPTS UTF8 ON'),
      'connect',
      'no answer after connecting',
    );
    try {
      await this.client.login(username, password ?? '');
    } catch (err) {
      if (err instanceof FTPError && err.code >= 500) {
        throw new FileTransferError(
          'auth',
          `${this.where} refused the login of user "${username}": "${reply(err)}"`,
        );
      }
      throw this.failure(err, 'connect', `login of user "${username}" failed`);
    }
    // TYPE I (binary), STRU F, and for FTPS PBSZ 0 + PROT P.
    await this.step(() => this.client.useDefaultSettings(), 'connect', 'refused the transfer settings');
  }

  async enterDirectory(directory: RemoteDirectory): Promise<void> {
    const shown = (directory.absolute ? '/' : '') + directory.segments.join('/');
    if (directory.absolute) await this.step(() => this.client.cd('/'), 'write', 'cannot enter /');
    for (const segment of directory.segments) {
      // MKD fails when the directory exists, which is fine: CWD tells whether we can go on.
      await this.step(
        () => this.client.sendIgnoringError(`MKD ${segment}`),
        'write',
        `cannot create ${shown}`,
      );
      await this.step(
        () => this.client.cd(segment),
        'write',
        `cannot create or enter the directory "${shown}" (at "${segment}")`,
      );
    }
  }

  async write(name: string, data: Buffer): Promise<void> {
    // The data connection lives only during the transfer: note it as soon as it is opened
    // (basic-ftp may replace prepareTransfer with the mode it found, so wrap it each time).
    const prepare = this.client.prepareTransfer;
    this.client.prepareTransfer = async (ftp) => {
      try {
        return await prepare(ftp);
      } finally {
        this.track();
      }
    };
    await this.step(
      () => this.client.uploadFrom(Readable.from([data]), name),
      'write',
      `cannot write the file "${name}"`,
    );
  }

  async replace(from: string, to: string): Promise<void> {
    const what = `cannot rename "${from}" to "${to}"`;
    await this.step(() => this.client.send(`RNFR ${from}`), 'write', what);
    try {
      await this.client.send(`RNTO ${to}`);
      return;
    } catch (err) {
      if (!(err instanceof FTPError)) throw this.failure(err, 'write', what);
    }
    // RFC 959 leaves RNTO onto an existing file to the server; some refuse it. The source is
    // known to exist (RNFR took it), so delete the old file and rename again.
    await this.step(() => this.client.sendIgnoringError(`DELE ${to}`), 'write', what);
    await this.step(() => this.client.send(`RNFR ${from}`), 'write', what);
    await this.step(() => this.client.send(`RNTO ${to}`), 'write', what);
  }

  async remove(name: string): Promise<void> {
    await this.step(() => this.client.remove(name), 'write', `cannot delete "${name}"`);
  }

  async close(): Promise<void> {
    this.track();
    // basic-ftp sends QUIT and destroys the control and data sockets at once, but the
    // sockets finish closing a moment later: wait for that, so that when a transfer settles
    // nothing of it is left open. (basic-ftp drops every listener before destroying, so the
    // 'close' listeners go on afterwards.)
    const open = [...this.sockets].filter((s) => !s.destroyed);
    this.client.close();
    await Promise.all(open.map((s) => new Promise((resolve) => s.once('close', resolve))));
    // Sockets destroyed earlier (a finished data connection, one dropped on an error) have
    // their close pending at most until the event loop's next close phase.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Remembers the sockets in use, so close() can wait until each has really closed. */
  private track(): void {
    const { socket, dataSocket } = this.client.ftp;
    if (socket) this.sockets.add(socket);
    if (dataSocket) this.sockets.add(dataSocket);
  }

  private async step<T>(run: () => Promise<T>, code: 'connect' | 'write', what: string): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.failure(err, code, what);
    }
  }

  private failure(err: unknown, code: 'connect' | 'write', what: string): FileTransferError {
    if (err instanceof FileTransferError) return err;
    if (err instanceof FTPError)
      return new FileTransferError(code, `${this.where}: ${what}: "${reply(err)}"`);
    const text = messageOf(err);
    if (/Timeout \((control|data) socket\)/.test(text)) {
      return new FileTransferError('timeout', `${this.where}: ${what}: the server stopped answering`);
    }
    const network = socketError(err, `${this.where}: ${what}`);
    // A network failure in the middle of writing counts as a failed write.
    if (network?.code === 'connect' && code === 'write')
      return new FileTransferError('write', network.message);
    if (network) return network;
    return new FileTransferError(code, `${this.where}: ${what}: ${text}`);
  }
}

/** The server's reply line, as "550 Permission denied." */
function reply(err: FTPError): string {
  return `${err.code} ${messageOf(err).replace(/^\d{3}[ -]/, '')}`;
}
