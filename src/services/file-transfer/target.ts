// Where a file goes (a company's FTP, FTPS or SFTP server) and the checks every value passes
// before a connection is opened. The values come from an admin's form, so each is bounded
// and a bad one is named in the error. Control characters are refused everywhere: in FTP a
// CR LF inside a name or password would end the command and start another (RFC 959 §4.1.3).
// ssh2 is CommonJS: Node's ESM loader gives its exports as the default import only.
import ssh2 from 'ssh2';

const { utils } = ssh2;

import { FileTransferError } from './errors.ts';

export type TransferProtocol = 'ftp' | 'ftps' | 'sftp';

export const DEFAULT_PORTS: Readonly<Record<TransferProtocol, number>> = { ftp: 21, ftps: 21, sftp: 22 };

export interface RemoteTarget {
  /** ftps = explicit TLS (AUTH TLS, RFC 4217) on the control connection. */
  protocol: TransferProtocol;
  host: string;
  port: number;
  username: string;
  password?: string | undefined;
  /** SFTP only (ignored for FTP): OpenSSH or PEM private key text, without a passphrase. */
  privateKey?: string | undefined;
  /** Remote directory, created if missing; "" or "/" = the login directory. */
  directory: string;
  /**
   * SFTP only: the server's host key fingerprint as `ssh-keygen -lf` prints it
   * ("SHA256:<base64>"). When set, a server presenting another key is refused ('connect').
   */
  hostKeySha256?: string | undefined;
  /** FTPS only: false accepts a certificate that does not verify (self-signed). Default true. */
  rejectUnauthorized?: boolean | undefined;
}

const MAX_HOST = 253;
const MAX_USERNAME = 255;
const MAX_PASSWORD = 1024;
const MAX_PRIVATE_KEY = 32 * 1024;
const MAX_DIRECTORY = 500;
const MAX_FILE_NAME = 200;
/** C0 controls, DEL and C1 controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const FINGERPRINT = /^(?:SHA256:)?([A-Za-z0-9+/]{43})=?$/;

function invalid(message: string): FileTransferError {
  return new FileTransferError('invalid', message);
}

/** The remote directory as path segments; `absolute` when it starts at the server's root. */
export interface RemoteDirectory {
  absolute: boolean;
  segments: string[];
}

/** Checks every field; returns the directory split into segments. Throws 'invalid'. */
export function validateTarget(target: RemoteTarget): RemoteDirectory {
  if (typeof target !== 'object' || target === null) throw invalid('no transfer target given');
  const { protocol, host, port, username, password, directory } = target;
  if (protocol !== 'ftp' && protocol !== 'ftps' && protocol !== 'sftp') {
    throw invalid(`protocol must be ftp, ftps or sftp, not ${JSON.stringify(String(protocol).slice(0, 20))}`);
  }
  if (typeof host !== 'string' || host.trim() === '') throw invalid('host is empty');
  if (host.length > MAX_HOST) throw invalid(`host is longer than ${MAX_HOST} characters`);
  if (CONTROL.test(host) || /\s/.test(host)) throw invalid('host contains spaces or control characters');
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw invalid('port must be a number from 1 to 65535');
  if (typeof username !== 'string' || username === '') throw invalid('username is empty');
  if (username.length > MAX_USERNAME) throw invalid(`username is longer than ${MAX_USERNAME} characters`);
  if (CONTROL.test(username)) throw invalid('username contains control characters');
  if (password !== undefined) {
    if (typeof password !== 'string') throw invalid('password must be text');
    if (password.length > MAX_PASSWORD) throw invalid(`password is longer than ${MAX_PASSWORD} characters`);
    // Said without quoting the password, of course.
    if (/[\r\n\0]/.test(password)) throw invalid('password contains a line break or NUL character');
  }
  if (protocol === 'sftp') validateSftpCredentials(target);
  if (target.rejectUnauthorized !== undefined && typeof target.rejectUnauthorized !== 'boolean') {
    throw invalid('rejectUnauthorized must be true or false');
  }
  return parseDirectory(directory);
}

function validateSftpCredentials(target: RemoteTarget): void {
  const { password, privateKey, hostKeySha256 } = target;
  if (!password && !privateKey) throw invalid('SFTP needs a password or a private key');
  if (privateKey !== undefined && privateKey !== '') {
    if (typeof privateKey !== 'string') throw invalid('private key must be text');
    if (privateKey.length > MAX_PRIVATE_KEY) throw invalid('private key is larger than 32 KB');
    const parsed = utils.parseKey(privateKey);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key instanceof Error) {
      // ssh2's reason names the format problem ("Encrypted private OpenSSH key detected, but
      // no passphrase given", "Unsupported key format"); it never quotes the key.
      throw invalid(`private key cannot be read: ${key.message}`);
    }
    if (!key || key.getPrivatePEM() === null) throw invalid('private key text holds no private key');
  }
  if (hostKeySha256 !== undefined && hostKeySha256 !== '' && !FINGERPRINT.test(hostKeySha256)) {
    throw invalid(
      'host key fingerprint must look like SHA256:<43 base64 characters> (as ssh-keygen -lf prints)',
    );
  }
}

/** The base64 part of a "SHA256:..." fingerprint, for comparing. */
export function fingerprintBody(fingerprint: string): string {
  return FINGERPRINT.exec(fingerprint)?.[1] ?? '';
}

export function parseDirectory(directory: string): RemoteDirectory {
  if (typeof directory !== 'string') throw invalid('directory must be text');
  if (directory.length > MAX_DIRECTORY) throw invalid(`directory is longer than ${MAX_DIRECTORY} characters`);
  if (CONTROL.test(directory)) throw invalid('directory contains control characters');
  // A Windows FTP server would take "\" as a separator too, so "a\..\b" could climb out.
  if (directory.includes('\\')) throw invalid('directory contains "\\": separate directories with "/"');
  const segments = directory.split('/').filter((s) => s !== '' && s !== '.');
  for (const s of segments) {
    if (s === '..') throw invalid('directory must not contain ".." segments');
    if (s.trim() !== s) throw invalid(`directory name "${s}" starts or ends with a space`);
  }
  return { absolute: directory.startsWith('/') && segments.length > 0, segments };
}

/** A name for one file inside the directory: a single path segment, nothing to climb with. */
export function validateFileName(fileName: string): void {
  if (typeof fileName !== 'string' || fileName === '') throw invalid('file name is empty');
  if (fileName.length > MAX_FILE_NAME) throw invalid(`file name is longer than ${MAX_FILE_NAME} characters`);
  if (CONTROL.test(fileName)) throw invalid('file name contains control characters');
  if (fileName.includes('/') || fileName.includes('\\'))
    throw invalid('file name must not contain "/" or "\\"');
  if (fileName.includes('..') || fileName === '.') throw invalid('file name must not contain ".."');
  if (fileName.trim() !== fileName) throw invalid('file name starts or ends with a space');
}
