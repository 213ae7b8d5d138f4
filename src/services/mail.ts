// Outgoing mail: real SMTP when SMTP_URL is set, else a local outbox folder whose messages
// operators list through the API (so a fresh install can still verify emails).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** Files sent with the message (a voicemail's MP3). */
  attachments?: MailAttachment[];
}

export interface StoredMail extends Omit<MailMessage, 'attachments'> {
  id: string;
  from: string;
  createdAt: string;
  /** Attachments as kept in the outbox: their bytes in base64. */
  attachments?: { filename: string; contentType: string; size: number; base64: string }[];
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export class OutboxMailer implements Mailer {
  private seq = 0;
  constructor(
    readonly dir: string,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const createdAt = new Date().toISOString();
    // Names sort in send order: time, then a per-process counter.
    const id = `${createdAt.replace(/[-:.]/g, '')}-${process.pid}-${String(this.seq++).padStart(6, '0')}`;
    const { attachments, ...rest } = message;
    const mail: StoredMail = {
      id,
      from: this.from,
      createdAt,
      ...rest,
      ...(attachments?.length
        ? {
            attachments: attachments.map((a) => ({
              filename: a.filename,
              contentType: a.contentType,
              size: a.content.length,
              base64: a.content.toString('base64'),
            })),
          }
        : {}),
    };
    await writeFile(join(this.dir, `${id}.json`), JSON.stringify(mail, null, 2), { flag: 'wx' });
  }

  /** Newest first. `before` is the id of the last message of the previous page. */
  async list(limit: number, before?: string, to?: string): Promise<StoredMail[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    names.sort().reverse();
    const out: StoredMail[] = [];
    for (const name of names) {
      const id = name.slice(0, -5);
      if (before && id >= before) continue;
      const mail = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as StoredMail;
      if (to && mail.to.toLowerCase() !== to.toLowerCase()) continue;
      out.push(mail);
      if (out.length >= limit) break;
    }
    return out;
  }
}

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(url);
  }
  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({ from: this.from, ...message });
  }
}
