// Voicemail on live calls: the flow node (leave or listen), a line's "when unavailable:
// voicemail", and the listen feature code all come here. It keeps phones' message-waiting
// lamps in step with the boxes (MWI) and mails new messages with their MP3, after the call.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { CallerIdentity, VoicemailRequest } from '../../flows/index.ts';
import type { PromptSource } from '../../media/index.ts';
import type { Db } from '../../store/database.ts';
import type { Call } from '../calls/call.ts';
import type { Party, ServiceStep } from '../calls/call-types.ts';
import type { VoicemailRuntime } from '../calls/flow-effects.ts';
import type { Directory, LineRoute, TenantRoute } from '../directory.ts';
import { messageMails, type VoicemailMailer } from './delivery.ts';
import { leaveMessage } from './leave.ts';
import { listenToBox } from './listen.ts';
import type { MessageCounts, MessageWaitingNotifier } from './mwi.ts';
import { phrases, say } from './phrases.ts';
import { type BoxRow, type MessageRow, VoicemailStore } from './store.ts';

/** Keeps a greeting WAV as a file of the tenant; returns the file's id. */
export type GreetingFiles = {
  save(tenantId: string, wav: Buffer, filename: string): Promise<string>;
  /** The file a replaced greeting used, no longer needed. */
  remove(tenantId: string, fileId: string): Promise<void>;
};

export interface VoicemailServiceOptions {
  db: Db;
  dataDir: string;
  directory: Directory;
  mwi: MessageWaitingNotifier;
  logger: Logger;
  /** Absolute path of an uploaded file by id (a greeting). */
  filePath?: ((fileId: string) => Promise<string | undefined>) | undefined;
  greetingFiles?: GreetingFiles | undefined;
  sendMail?: VoicemailMailer | undefined;
}

export class VoicemailService implements VoicemailRuntime {
  readonly store: VoicemailStore;
  readonly #log: Logger;
  /** Mails being prepared and sent, so shutdown and tests can wait for them. */
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly options: VoicemailServiceOptions) {
    this.store = new VoicemailStore(options.db, options.dataDir);
    this.#log = options.logger.child({ component: 'voicemail' });
    options.mwi.source = (tenantId, lineId) => this.lineCounts(tenantId, lineId);
  }

  /** The flow node: leave a message in the box, or listen to it after its PIN. */
  async run(call: Call, tenant: TenantRoute, req: VoicemailRequest): Promise<void> {
    const box = await this.store.box(tenant.id, req.boxId);
    if (!box) {
      // The flow was checked at publish time; a box deleted since is not the caller's fault.
      this.#log.warn({ call: call.id, boxId: req.boxId }, 'voicemail box of the flow is gone');
      await call.playToCaller(say(phrases.goodbye), false);
      return;
    }
    if (req.mode === 'leave') await this.leave(call, box, req.caller);
    else await this.listen(call, tenant, { boxId: box.id });
  }

  /** Leaves a message in a box (the caller is answered if it was not). */
  async leave(call: Call, box: BoxRow, caller: Pick<CallerIdentity, 'number' | 'name'>): Promise<void> {
    await leaveMessage(
      call,
      {
        store: this.store,
        greeting: (b) => this.greeting(b),
        messageLeft: (b, m) => this.messageLeft(b, m),
      },
      box,
      caller,
    );
  }

  /**
   * Listens to a box: by id (a flow node: the PIN is always asked), or the box of the line
   * that calls (the feature code: the phone is already authenticated, so the PIN is asked
   * only when the box has one).
   */
  async listen(
    call: Call,
    tenant: TenantRoute,
    target: { boxId: string } | { line: LineRoute },
  ): Promise<void> {
    const box =
      'boxId' in target
        ? await this.store.box(tenant.id, target.boxId)
        : await this.store.personBox(tenant.id, target.line.personId);
    if (!box) {
      await call.playToCaller(say(phrases.goodbye), false);
      return;
    }
    const askPin = 'boxId' in target || box.pinHash !== null;
    await listenToBox(
      call,
      { store: this.store, changed: (b) => this.changed(b), saveGreeting: (b, p) => this.saveGreeting(b, p) },
      box,
      { askPin },
    );
  }

  /** "When unavailable: voicemail" of a line: the caller leaves a message in the person's box. */
  unavailableStep(tenant: TenantRoute, line: LineRoute, caller: Party): ServiceStep {
    return {
      service: 'voicemail',
      run: async (call) => {
        const box = await this.store.personBox(tenant.id, line.personId);
        if (!box) return;
        await this.leave(call, box, { number: caller.number, name: caller.name });
      },
    };
  }

  /** The listen feature code dialled from a line: its person's box. */
  listenStep(tenant: TenantRoute, line: LineRoute): ServiceStep {
    return { service: 'voicemail', run: (call) => this.listen(call, tenant, { line }) };
  }

  /** MWI counts of a line: its person's box. */
  async lineCounts(tenantId: string, lineId: string): Promise<MessageCounts> {
    const line = this.options.directory.line(lineId);
    if (!line || line.tenantId !== tenantId) return { new: 0, old: 0 };
    const box = await this.store.personBox(tenantId, line.personId);
    return box ? this.store.counts(box.id) : { new: 0, old: 0 };
  }

  /** A box's messages changed (API or phone): the lamps of its person's phones follow. */
  changed(box: Pick<BoxRow, 'tenantId' | 'personId'>): void {
    if (!box.personId) return;
    for (const line of this.options.directory.personLines(box.personId))
      this.options.mwi.changed(box.tenantId, line.id);
  }

  /** Resolves once every mail started so far has been sent (or has failed). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  private messageLeft(box: BoxRow, message: MessageRow): void {
    this.#log.info({ boxId: box.id, messageId: message.id, ms: message.durationMs }, 'voicemail left');
    this.changed(box);
    const send = this.options.sendMail;
    if (!send || box.emails.length === 0) return;
    const job = (async () => {
      const mails = await messageMails(box, message, this.store.absolute(message.path));
      for (const mail of mails) await send(mail);
    })()
      .catch((err: unknown) => this.#log.error({ err, boxId: box.id }, 'voicemail mail failed'))
      .finally(() => this.#pending.delete(job));
    this.#pending.add(job);
  }

  /** What a caller hears first: the box's greeting, or a spoken default. */
  private async greeting(box: BoxRow): Promise<PromptSource> {
    const g = box.greeting;
    if (g.kind === 'tts')
      return { kind: 'tts', text: g.text, language: g.language, ...(g.voice ? { voice: g.voice } : {}) };
    if (g.kind === 'file') {
      const path = await this.options.filePath?.(g.fileId);
      if (path) return { kind: 'file', path };
      this.#log.warn({ boxId: box.id, fileId: g.fileId }, 'greeting file is gone: the default is spoken');
    }
    return say(phrases.unavailable(box.name));
  }

  private async saveGreeting(box: BoxRow, wavPath: string): Promise<void> {
    const files = this.options.greetingFiles;
    if (!files) throw new Error('greetings cannot be stored on this server');
    const fileId = await files.save(box.tenantId, await readFile(wavPath), `greeting-${box.id}.wav`);
    const before = box.greeting;
    await this.store.updateBox(box.tenantId, box.id, { greeting: { kind: 'file', fileId } });
    box.greeting = { kind: 'file', fileId };
    if (before.kind === 'file') await files.remove(box.tenantId, before.fileId).catch(() => {});
  }
}
