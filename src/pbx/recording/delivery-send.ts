// Sending one recording by one delivery method: mails to each address, or an upload to the
// company's FTP, FTPS or SFTP server. Errors are typed so the worker knows whether another
// attempt can help, and their messages never carry the method's secret.
import { FileTransferError, type RemoteTarget, uploadFile } from '../../services/file-transfer/index.ts';
import type {
  DeliveryFormat,
  DeliveryKind,
  DeliverySettings,
  EmailDeliverySettings,
  RemoteDeliverySettings,
} from '../../store/schema.ts';
import { type DeliveredRecording, type DeliveryFiles, deliveryFileName } from './delivery-files.ts';
import { type RecordingMailer, recordingMails } from './delivery-mail.ts';

/** What sending needs of a delivery_methods row. */
export interface MethodToSend {
  id: string;
  name: string;
  kind: DeliveryKind;
  settings: DeliverySettings;
  secret: string | null;
}

/** A delivery that no attempt can make (the method's settings cannot work as they are). */
export class DeliveryRefused extends Error {
  override readonly name = 'DeliveryRefused';
}

const PRIVATE_KEY_RE = /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** An SFTP secret is a private key when it is one (OpenSSH or PEM text), else a password. */
export const isPrivateKey = (secret: string): boolean => PRIVATE_KEY_RE.test(secret.trim());

export const isRemote = (kind: DeliveryKind): kind is 'ftp' | 'ftps' | 'sftp' => kind !== 'email';

/** The server a remote method sends to, as the file-transfer service takes it. */
export function remoteTarget(m: MethodToSend): RemoteTarget {
  if (!isRemote(m.kind)) throw new DeliveryRefused(`${m.kind} is not a file server method`);
  const s = m.settings as RemoteDeliverySettings;
  const secret = m.secret ?? undefined;
  const key = m.kind === 'sftp' && secret !== undefined && isPrivateKey(secret);
  return {
    protocol: m.kind,
    host: s.host,
    port: s.port,
    username: s.username,
    directory: s.directory,
    ...(key ? { privateKey: secret } : secret !== undefined ? { password: secret } : {}),
    ...(m.kind === 'sftp' && s.hostKeySha256 ? { hostKeySha256: s.hostKeySha256 } : {}),
    ...(m.kind === 'ftps' && s.verifyCertificate === false ? { rejectUnauthorized: false } : {}),
  };
}

export const formatOf = (m: MethodToSend): DeliveryFormat => (m.settings.format === 'wav' ? 'wav' : 'mp3');

export interface SendDeps {
  files: DeliveryFiles;
  sendMail: RecordingMailer | undefined;
  /** Longest a small upload may take, all steps included; larger files get more (below). */
  timeoutMs: number;
  signal: AbortSignal;
}

/** The file-transfer service's longest deadline. */
export const MAX_UPLOAD_MS = 60 * 60_000;
/** The slowest link a delivery is given time for: 32 KB/s, about four times an MP3's rate. */
const SLOWEST_BYTES_PER_MS = 32;

/** An upload's deadline: the base, plus the file's size at the slowest rate, at most an hour. */
export const uploadTimeoutMs = (bytes: number, baseMs: number): number =>
  Math.min(MAX_UPLOAD_MS, Math.round(baseMs + bytes / SLOWEST_BYTES_PER_MS));

/** Sends the recording by the method; throws on failure (RecordingGone, DeliveryRefused, others). */
export async function sendRecording(m: MethodToSend, r: DeliveredRecording, deps: SendDeps): Promise<void> {
  const format = formatOf(m);
  if (m.kind === 'email') {
    const { addresses } = m.settings as EmailDeliverySettings;
    if (!deps.sendMail) throw new DeliveryRefused('this server sends no mail');
    if (!addresses?.length) throw new DeliveryRefused('the method has no addresses');
    const file = await deps.files.get(r, format);
    for (const mail of recordingMails(r, addresses, format, file)) {
      deps.signal.throwIfAborted();
      await deps.sendMail(mail);
    }
    return;
  }
  const target = remoteTarget(m);
  const file = await deps.files.get(r, format);
  deps.signal.throwIfAborted();
  try {
    await uploadFile(target, deliveryFileName(r, format), file, {
      timeoutMs: uploadTimeoutMs(file.length, deps.timeoutMs),
      signal: deps.signal,
    });
  } catch (e) {
    // Settings the server can never accept: no point retrying until an admin changes them.
    if (e instanceof FileTransferError && e.code === 'invalid') throw new DeliveryRefused(e.message);
    throw e;
  }
}

/** One line for the delivery log: the error's words, never the method's secret. */
export function describeFailure(e: unknown, secret: string | null): string {
  let text = e instanceof Error ? e.message : String(e);
  text = text.replace(/\s+/g, ' ').trim();
  if (secret && secret.length >= 4) text = text.split(secret).join('***');
  return text.slice(0, 500) || 'failed';
}
