// Delivery of a new message by email (spec 000: "delivered as an email attachment (MP3) to
// any address of your choice"). Runs after the caller is done, off the call path.
import { readFile } from 'node:fs/promises';
import { encodeWavToMp3 } from '../../media/index.ts';
import type { BoxRow, MessageRow } from './store.ts';

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface VoicemailMail {
  to: string;
  subject: string;
  text: string;
  attachments: MailAttachment[];
}

export type VoicemailMailer = (mail: VoicemailMail) => Promise<void>;

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The mails for one message, one per address of the box; the MP3 is encoded once. */
export async function messageMails(
  box: BoxRow,
  message: MessageRow,
  wavPath: string,
): Promise<VoicemailMail[]> {
  if (box.emails.length === 0) return [];
  // Caller names come from SIP: no control characters reach a mail header.
  const clean = (v: string) => v.replace(/[\x00-\x1f\x7f<>]/g, '').slice(0, 80);
  const name = message.callerName ? clean(message.callerName) : '';
  const caller = name ? `${name} <${clean(message.callerNumber)}>` : clean(message.callerNumber);
  const stamp = message.createdAt.toISOString().replace(/\.\d+Z$/, 'Z');
  const attachments: MailAttachment[] = [];
  if (box.attachAudio) {
    const mp3 = await encodeWavToMp3(await readFile(wavPath));
    const safeCaller = message.callerNumber.replace(/[^\w+-]/g, '').slice(0, 32) || 'unknown';
    attachments.push({
      filename: `voicemail-${stamp.replace(/[:]/g, '')}-${safeCaller}.mp3`,
      contentType: 'audio/mpeg',
      content: mp3,
    });
  }
  const text = [
    `New voicemail in ${box.name}.`,
    '',
    `From:     ${caller}`,
    `Received: ${stamp}`,
    `Length:   ${duration(message.durationMs)}`,
    '',
    box.attachAudio ? 'The message is attached as an MP3 file.' : 'Listen to it by phone or in the console.',
  ].join('\n');
  return box.emails.map((to) => ({
    to,
    subject: `Voicemail from ${caller} (${duration(message.durationMs)})`,
    text,
    attachments,
  }));
}
