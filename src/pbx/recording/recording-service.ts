// Call recordings (spec 000 "Call recording"): a stereo WAV per recording, the caller on the
// left and the other party on the right, under DATA_DIR/recordings/<tenant>/, with a row that
// says why it was made, who was on the call and when it expires. Started by a line's settings
// when a call is answered, by a flow's record node, by a queue, or on demand; stopped on
// request or when the call ends. One recording per call at a time.
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { CallerGone } from '../../flows/index.ts';
import type { MediaEngine, MediaEvent, PromptSource } from '../../media/index.ts';
import type { Db } from '../../store/database.ts';
import { isUuid, newId } from '../../store/ids.ts';
import { recordings } from '../../store/schema.ts';
import type { Call } from '../calls/call.ts';
import type { CallRecordings, RecordingSource } from '../calls/flow-effects.ts';
import type { Directory } from '../directory.ts';
import type { PbxEvent, PbxEvents } from '../events.ts';
import { ConsentPlayer } from './consent.ts';
import { DeliveryWorker, type DeliveryWorkerOptions } from './delivery-worker.ts';
import { linePolicy } from './line-policy.ts';
import { recordingPath } from './paths.ts';
import { RetentionJob } from './retention.ts';
import { RecordingSettingsCache } from './settings.ts';

type RecordingEnded = Extract<MediaEvent, { type: 'recording-ended' }>;

export interface RecordingServiceOptions {
  db: Db;
  dataDir: string;
  directory: Directory;
  media: MediaEngine;
  events: PbxEvents;
  /** A live call of the tenant by id (the call engine's). */
  liveCall(tenantId: string, callId: string): Call | undefined;
  /** A prompt of the tenant's library, as the media engine plays it (the consent prompt). */
  promptSource(tenantId: string, promptId: string): Promise<PromptSource | undefined>;
  log: Logger;
  now?: () => Date;
  /** Delivery of completed recordings (the mailer; tests shorten the retry schedule). */
  delivery?: Omit<DeliveryWorkerOptions, 'db' | 'dataDir' | 'log'>;
}

/** One recording of a live call, from start() until its row is complete. */
interface Active {
  id: string;
  tenantId: string;
  call: Call;
  /** Relative to DATA_DIR (the row's `path`), and absolute. */
  path: string;
  file: string;
  startedAt: Date;
  personIds: Set<string>;
  state: 'starting' | 'recording' | 'closing';
  /** The media worker's word that the file is complete (undefined if it never came). */
  ended: Promise<RecordingEnded | undefined>;
  inserted: Promise<boolean>;
}

/** How long a stopped recording may take to be closed by its media worker. */
const CLOSE_TIMEOUT_MS = 15_000;
const DAY_MS = 86_400_000;
/** 8 kHz, 16-bit, two channels. */
const BYTES_PER_MS = 32;

export class RecordingService implements CallRecordings {
  readonly retention: RetentionJob;
  readonly settings: RecordingSettingsCache;
  /** Sends completed recordings by their lines' delivery methods. */
  readonly deliveries: DeliveryWorker;
  readonly #o: RecordingServiceOptions;
  readonly #now: () => Date;
  readonly #consent: ConsentPlayer;
  /** By call id: the recording running (or starting) on each call. */
  readonly #active = new Map<string, Active>();
  /** Calls whose caller has heard the consent prompt (it is played once per call). */
  readonly #consented = new Set<string>();
  /** By absolute file: whoever waits for the media worker to close it. */
  readonly #closing = new Map<string, (e: RecordingEnded | undefined) => void>();
  readonly #pending = new Set<Promise<void>>();
  #unsubscribe: (() => void) | undefined;

  constructor(o: RecordingServiceOptions) {
    this.#o = o;
    this.#now = o.now ?? (() => new Date());
    this.#consent = new ConsentPlayer(o.media);
    this.settings = new RecordingSettingsCache(o.db);
    this.retention = new RetentionJob({ db: o.db, dataDir: o.dataDir, log: o.log });
    this.deliveries = new DeliveryWorker({ ...o.delivery, db: o.db, dataDir: o.dataDir, log: o.log });
  }

  /** Follows call events (line policy, calls ending) and runs the retention job. */
  open(): void {
    this.#unsubscribe ??= this.#o.events.on((e) => this.onPbxEvent(e));
    this.retention.start();
    this.deliveries.start();
  }

  /** Stops following calls and waits for the rows of recordings being closed. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.retention.stop();
    await this.idle();
    await this.deliveries.stop();
  }

  /** Resolves once no recording is being started by line policy or completed. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Recordings running now (for diagnostics and benches). */
  get size(): number {
    return this.#active.size;
  }

  /**
   * Starts recording the call: the consent prompt first when the tenant has one (once per
   * call), then a stereo WAV and its row. A second start while one runs is a no-op: the
   * running recording keeps its source. A caller gone before it started is no error.
   */
  async start(
    call: Call,
    tenantId: string,
    source: RecordingSource,
    extra?: { queueId?: string },
  ): Promise<void> {
    if (this.#active.has(call.id)) {
      this.#o.log.debug({ call: call.id, source }, 'already recording; start ignored');
      return;
    }
    if (call.state === 'ended') return;
    const id = newId();
    const path = recordingPath(tenantId, id);
    const file = join(this.#o.dataDir, path);
    const entry: Active = {
      id,
      tenantId,
      call,
      path,
      file,
      startedAt: this.#now(),
      personIds: new Set(this.#peopleOn(call)),
      state: 'starting',
      ended: new Promise((resolve) => this.#closing.set(file, resolve)),
      inserted: Promise.resolve(false),
    };
    this.#active.set(call.id, entry);
    // stop() or the call's end while we got ready: the entry is no longer the call's.
    const dropped = () => this.#active.get(call.id) !== entry;
    try {
      await this.#playConsent(call, tenantId);
      if (dropped() || call.state === 'ended') throw new CallerGone();
      await mkdir(dirname(file), { recursive: true });
      await call.record(true, file);
    } catch (e) {
      if (this.#active.get(call.id) === entry) this.#active.delete(call.id);
      this.#closing.delete(file);
      await rm(file, { force: true }).catch(() => {});
      // The caller went while the media was set up: its endpoints may be gone already.
      if (e instanceof CallerGone || call.state === 'ended') return;
      throw e;
    }
    entry.state = 'recording';
    entry.inserted = this.#insert(entry, source, extra?.queueId);
    this.#o.log.info({ call: call.id, recording: id, source }, 'recording started');
    // Stopped or hung up while the recording was being set up: close it at once.
    if (dropped() || call.state === 'ended') {
      if (this.#active.get(call.id) === entry) this.#active.delete(call.id);
      await this.#track(this.#close(entry));
    }
  }

  /** Stops the call's recording, if one runs, and completes its row. */
  async stop(call: Call): Promise<void> {
    const entry = this.#active.get(call.id);
    if (!entry) return;
    this.#active.delete(call.id);
    // Still starting: start() sees it dropped and records nothing.
    if (entry.state !== 'recording') return;
    await this.#track(this.#close(entry));
  }

  /** Media events the engine passes on: recordings closed, consent prompts ended. */
  onMediaEvent(e: MediaEvent): void {
    if (e.type === 'recording-ended') {
      const done = this.#closing.get(e.path);
      if (!done) return;
      this.#closing.delete(e.path);
      done(e);
      // Its longest duration reached on a live call: the call forgets it, the row completes.
      if (e.reason === 'max-duration') {
        for (const [callId, entry] of this.#active) {
          if (entry.file !== e.path) continue;
          this.#active.delete(callId);
          void this.#track(this.#close(entry));
        }
      }
    } else this.#consent.onMediaEvent(e);
  }

  onPbxEvent(e: PbxEvent): void {
    if (e.type !== 'call') return;
    // A flow or queue answers the caller first: the line it rings is known once it answers.
    if (e.state === 'answered' || e.state === 'connected') {
      const call = this.#o.liveCall(e.tenantId, e.callId);
      if (!call || !this.#lineAsks(call)) return;
      void this.#track(
        this.start(call, e.tenantId, 'line').catch((err: unknown) =>
          this.#o.log.error({ err, call: e.callId }, 'line recording failed to start'),
        ),
      );
    } else if (e.state === 'ended') {
      this.#consented.delete(e.callId);
      const entry = this.#active.get(e.callId);
      if (!entry) return;
      this.#active.delete(e.callId);
      // Its media is being released: the worker closes the file and says so.
      if (entry.state === 'recording') void this.#track(this.#close(entry));
    }
  }

  #lineAsks(call: Call): boolean {
    const settings = (id: string | undefined) => (id ? this.#o.directory.line(id) : undefined);
    return (
      linePolicy({
        direction: call.direction,
        callerLine: settings(call.caller.lineId)?.recording,
        calleeLine: settings(call.calleeLineId)?.recording,
      }) !== undefined
    );
  }

  #peopleOn(call: Call): string[] {
    const out: string[] = [];
    for (const lineId of [call.caller.lineId, call.calleeLineId]) {
      const personId = lineId ? this.#o.directory.line(lineId)?.personId : undefined;
      if (personId && !out.includes(personId)) out.push(personId);
    }
    return out;
  }

  async #playConsent(call: Call, tenantId: string): Promise<void> {
    if (this.#consented.has(call.id)) return;
    const { consentPromptId } = await this.settings.get(tenantId);
    if (!consentPromptId) return;
    const source = await this.#o.promptSource(tenantId, consentPromptId);
    if (call.state === 'ended') return;
    if (!source) {
      this.#o.log.warn(
        { call: call.id, prompt: consentPromptId },
        'consent prompt not found; recording without it',
      );
      return;
    }
    this.#consented.add(call.id);
    await this.#consent.play(call, source);
  }

  /** The row, written while the recording runs (the call never waits for it). */
  async #insert(entry: Active, source: RecordingSource, queueId: string | undefined): Promise<boolean> {
    if (queueId !== undefined && !isUuid(queueId)) {
      this.#o.log.warn({ call: entry.call.id, queueId }, 'queue id is not an id; recording kept without it');
      queueId = undefined;
    }
    try {
      await this.#o.db.insert(recordings).values({
        id: entry.id,
        tenantId: entry.tenantId,
        callId: entry.call.id,
        source,
        path: entry.path,
        callerNumber: entry.call.caller.number,
        calleeNumber: entry.call.callee.number,
        personIds: [...entry.personIds],
        queueId: queueId ?? null,
        startedAt: entry.startedAt,
      });
      return true;
    } catch (err) {
      this.#o.log.error({ err, recording: entry.id }, 'recording row not written');
      return false;
    }
  }

  /** Stops the media recording (unless the call's end does) and completes the row. */
  async #close(entry: Active): Promise<void> {
    entry.state = 'closing';
    const call = entry.call;
    if (call.state !== 'ended') await call.record(false, '').catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      entry.ended,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), CLOSE_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    this.#closing.delete(entry.file);
    if (!ended) this.#o.log.warn({ recording: entry.id }, 'media worker did not report the recording closed');
    else if (ended.reason === 'error')
      this.#o.log.error({ recording: entry.id, error: ended.error }, 'recording failed');
    if (!(await entry.inserted)) return;
    const bytes = await stat(entry.file).then(
      (s) => s.size,
      () => null,
    );
    const endedAt = this.#now();
    const durationMs = ended?.durationMs ?? Math.max(0, Math.round(((bytes ?? 44) - 44) / BYTES_PER_MS));
    // Who answered may only be known now (a queue's agent, a flow's ring).
    for (const p of this.#peopleOn(call)) entry.personIds.add(p);
    try {
      const { retentionDays } = await this.settings.get(entry.tenantId, true);
      await this.#o.db
        .update(recordings)
        .set({
          endedAt,
          durationMs,
          bytes,
          expiresAt: new Date(endedAt.getTime() + retentionDays * DAY_MS),
          personIds: [...entry.personIds],
          calleeNumber: call.callee.number,
        })
        .where(eq(recordings.id, entry.id));
    } catch (err) {
      this.#o.log.error({ err, recording: entry.id }, 'recording row not completed');
      return;
    }
    await this.deliveries
      .plan({ id: entry.id, tenantId: entry.tenantId, personIds: [...entry.personIds] })
      .catch((err: unknown) =>
        this.#o.log.error({ err, recording: entry.id }, 'recording deliveries not queued'),
      );
  }

  #track(p: Promise<void>): Promise<void> {
    const tracked = p.finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
    return tracked;
  }
}
