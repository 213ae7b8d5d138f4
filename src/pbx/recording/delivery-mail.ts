// A recording delivered by email (spec 000: "delivered as an email attachment (MP3) to any
// address of your choice"): one mail per address, saying who called whom, when and for how
// long, with the file attached unless it is larger than a mail may reasonably carry.
import type { DeliveryFormat } from '../../store/schema.ts';
import { CONTENT_TYPES, type DeliveredRecording, deliveryFileName } from './delivery-files.ts';

export interface RecordingMail {
  to: string;
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

/** Sends one mail (the server's mailer: SMTP, or the local outbox). */
export type RecordingMailer = (mail: RecordingMail) => Promise<void>;

/** Larger files are not attached (many mail servers refuse messages over 20–25 MB). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

function length(ms: number | null): string {
  const s = Math.round((ms ?? 0) / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60));
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm.padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** Numbers come from SIP: no control characters or angle brackets reach a mail header. */
const clean = (v: string) => v.replace(/[\x00-\x1f\x7f<>]/g, '').slice(0, 80) || 'unknown';

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

export function recordingMails(
  r: DeliveredRecording,
  addresses: readonly string[],
  format: DeliveryFormat,
  file: Buffer,
): RecordingMail[] {
  const caller = clean(r.callerNumber);
  const callee = clean(r.calleeNumber);
  const started = r.startedAt
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace('T', ' ');
  const filename = deliveryFileName(r, format);
  const attach = file.length <= MAX_ATTACHMENT_BYTES;
  const text = [
    'A call was recorded.',
    '',
    `From:      ${caller}`,
    `To:        ${callee}`,
    `Started:   ${started} UTC`,
    `Length:    ${length(r.durationMs)}`,
    `Recording: ${r.id}`,
    '',
    attach
      ? `The recording is attached as ${filename}.`
      : `The recording (${megabytes(file.length)}) is larger than the ${megabytes(MAX_ATTACHMENT_BYTES)} ` +
        'a mail may carry, so it is not attached: listen to it or download it in the console.',
  ].join('\n');
  const attachments = attach ? [{ filename, contentType: CONTENT_TYPES[format], content: file }] : [];
  return addresses.map((to) => ({
    to,
    subject: `Call recording: ${caller} to ${callee} (${length(r.durationMs)})`,
    text,
    attachments,
  }));
}

/** The mail the API's "test" sends to each address of an email method. */
export function testMail(to: string, methodName: string): RecordingMail {
  return {
    to,
    subject: `Test of the delivery method "${clean(methodName)}"`,
    text: [
      `This is a test of the recording delivery method "${clean(methodName)}".`,
      '',
      'Recordings of the calls of lines that use this method will be sent to this address.',
    ].join('\n'),
    attachments: [],
  };
}
