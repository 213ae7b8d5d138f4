// Puts a file on a company's own server over FTP, FTPS or SFTP: how recordings are delivered
// to a delivery method of that kind. Every input is checked before a connection is opened,
// the whole transfer has one deadline, and the connection is closed before the promise
// settles, however it ends. docs/file-transfer.md describes the behaviour for admins.
import { randomBytes } from 'node:crypto';
import { FileTransferError, messageOf, redact } from './errors.ts';
import { FtpSession } from './ftp.ts';
import type { RemoteSession } from './session.ts';
import { SftpSession } from './sftp.ts';
import { type RemoteDirectory, type RemoteTarget, validateFileName, validateTarget } from './target.ts';

export { FileTransferError, type TransferFailure } from './errors.ts';
export { DEFAULT_PORTS, type RemoteTarget, type TransferProtocol } from './target.ts';

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_TIMEOUT_MS = 60 * 60_000;

export interface UploadOptions {
  /** Bound on the whole upload: connect, login, directory, write, rename. Default 60 s. */
  timeoutMs?: number;
  /** Aborting ends the transfer at once; it then fails with code 'timeout'. */
  signal?: AbortSignal;
}

/**
 * Uploads data as directory/fileName; atomic where the protocol allows (upload to a
 * temporary name, then rename), so a half-written file never appears under the final name.
 * A file of the same name is replaced.
 */
export async function uploadFile(
  target: RemoteTarget,
  fileName: string,
  data: Buffer,
  options: UploadOptions = {},
): Promise<void> {
  const directory = validateTarget(target);
  validateFileName(fileName);
  if (!Buffer.isBuffer(data)) throw new FileTransferError('invalid', 'the file content must be a Buffer');
  await transfer(target, directory, options, (session) => putAtomically(session, fileName, data));
}

/**
 * Connects, logs in and checks the directory is writable (writes and removes a small probe
 * file): for a "test connection" button. Creates the directory if it is missing, as an
 * upload would.
 */
export async function checkTarget(target: RemoteTarget, options: { timeoutMs?: number } = {}): Promise<void> {
  const directory = validateTarget(target);
  const probe = `.switchboard-probe-${randomBytes(6).toString('hex')}`;
  await transfer(target, directory, options, async (session) => {
    // The same steps as an upload (write, rename), so a server that allows writing but not
    // renaming fails here rather than at the first recording.
    await putAtomically(session, probe, Buffer.from('Switchboard connection test\n'));
    await session.remove(probe);
  });
}

/** Writes under a temporary name, then renames; removes the temporary file if that fails. */
async function putAtomically(session: RemoteSession, fileName: string, data: Buffer): Promise<void> {
  // A leading dot and a .part suffix keep it out of the way of scripts that pick files up
  // by pattern (*.wav); the random part keeps two uploads of one name apart.
  const temporary = `.${fileName}.${randomBytes(4).toString('hex')}.part`;
  try {
    await session.write(temporary, data);
    await session.replace(temporary, fileName);
  } catch (err) {
    await session.remove(temporary).catch(() => undefined);
    throw err;
  }
}

async function transfer(
  target: RemoteTarget,
  directory: RemoteDirectory,
  options: UploadOptions,
  work: (session: RemoteSession) => Promise<void>,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new FileTransferError('invalid', `timeoutMs must be a whole number from 1 to ${MAX_TIMEOUT_MS}`);
  }
  const { signal } = options;
  if (signal?.aborted) throw cancelled();

  const session: RemoteSession =
    target.protocol === 'sftp' ? new SftpSession(target, timeoutMs) : new FtpSession(target, timeoutMs);
  let stop: (err: FileTransferError) => void = () => undefined;
  // Settles only when the deadline passes or the caller aborts; racing it against the work
  // means we return even if a library call never settles once its socket is gone.
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  let interrupted = false;
  const interrupt = (err: FileTransferError) => {
    if (interrupted) return;
    interrupted = true;
    stop(err);
  };
  const timer = setTimeout(
    () =>
      interrupt(
        new FileTransferError(
          'timeout',
          `${target.protocol.toUpperCase()} server ${target.host}:${target.port}: gave up after ${seconds(timeoutMs)}: the transfer did not finish in time`,
        ),
      ),
    timeoutMs,
  );
  const onAbort = () => interrupt(cancelled());
  signal?.addEventListener('abort', onAbort, { once: true });

  const running = (async () => {
    await session.open();
    await session.enterDirectory(directory);
    await work(session);
  })();
  // Once interrupted, whatever the work still throws is a consequence of the interruption.
  running.catch(() => undefined);
  try {
    await Promise.race([running, stopped]);
  } catch (err) {
    throw safeError(err, target);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    await session.close(interrupted);
  }
}

function cancelled(): FileTransferError {
  return new FileTransferError('timeout', 'the transfer was cancelled before it finished');
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** A FileTransferError whose message holds no credential, whatever a server echoed. */
function safeError(err: unknown, target: RemoteTarget): FileTransferError {
  const secrets = [target.password, target.privateKey];
  if (err instanceof FileTransferError) return new FileTransferError(err.code, redact(err.message, secrets));
  // Not expected: every session step maps its own errors.
  return new FileTransferError(
    'write',
    redact(`${target.protocol.toUpperCase()} transfer failed: ${messageOf(err)}`, secrets),
  );
}
