// The recording delivery worker: sends the deliveries that are due (recording_deliveries rows,
// see delivery-store.ts), a few at a time, and retries a failed attempt on a backoff schedule
// before it gives up. The queue is the database: a delivery planned before a restart, or by
// another node, is sent all the same. Started and stopped with the recording service.
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../store/database.ts';
import { deliveryMethods, recordings } from '../../store/schema.ts';
import { DeliveryFiles, RecordingGone } from './delivery-files.ts';
import type { RecordingMailer } from './delivery-mail.ts';
import { type CompletedRecording, planDeliveries } from './delivery-plan.ts';
import { DeliveryRefused, describeFailure, MAX_UPLOAD_MS, sendRecording } from './delivery-send.ts';
import {
  type ClaimedDelivery,
  claimDue,
  markAttemptFailed,
  markDelivered,
  nextDue,
  releaseClaim,
} from './delivery-store.ts';

const MINUTE = 60_000;
/** Waits after failed attempts 1, 2, ...; after the last one the delivery has failed. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  MINUTE,
  5 * MINUTE,
  30 * MINUTE,
  2 * 60 * MINUTE,
  6 * 60 * MINUTE,
];

export interface DeliveryWorkerOptions {
  db: Db;
  dataDir: string;
  log: Logger;
  /** The server's mailer; without one, email deliveries fail ("this server sends no mail"). */
  sendMail?: RecordingMailer | undefined;
  /** Waits between attempts (default DEFAULT_RETRY_SCHEDULE_MS): tests shorten it. */
  retryScheduleMs?: readonly number[] | undefined;
  /** Deliveries sent at once (default 2): each holds a recording's file in memory. */
  concurrency?: number | undefined;
  /** Longest wait before looking for work planned by other nodes (default a minute). */
  pollMs?: number | undefined;
  /** Deadline of an upload of a small file (default 60 s); larger files get more time. */
  timeoutMs?: number | undefined;
  now?: (() => Date) | undefined;
}

/** How long a claimed delivery is held from other workers: longer than an upload may take. */
const LEASE_MS = MAX_UPLOAD_MS + 5 * MINUTE;

export class DeliveryWorker {
  readonly #o: DeliveryWorkerOptions;
  readonly #schedule: readonly number[];
  readonly #concurrency: number;
  readonly #pollMs: number;
  readonly #now: () => Date;
  readonly #files: DeliveryFiles;
  readonly #running = new Set<Promise<void>>();
  #abort = new AbortController();
  #started = false;
  #pumping: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(o: DeliveryWorkerOptions) {
    this.#o = o;
    this.#schedule = o.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.#concurrency = Math.max(1, o.concurrency ?? 2);
    this.#pollMs = o.pollMs ?? MINUTE;
    this.#now = o.now ?? (() => new Date());
    this.#files = new DeliveryFiles(o.dataDir);
  }

  /** Starts sending: deliveries left pending (by a restart too) are picked up at once. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#abort = new AbortController();
    this.kick();
  }

  /**
   * Stops taking work and ends the running attempts: an upload is aborted and its delivery is
   * due again at the next start, uncounted.
   */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
    await this.#pumping?.catch(() => {});
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** Queues a completed recording's deliveries and starts sending them. */
  async plan(r: CompletedRecording): Promise<void> {
    const added = await planDeliveries(this.#o.db, r, this.#now());
    if (added > 0) {
      this.#o.log.info({ recording: r.id, deliveries: added }, 'recording deliveries queued');
      this.kick();
    }
  }

  /** Looks for due deliveries now (after a retry through the API, or new ones). */
  kick(): void {
    if (!this.#started) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      // A kick that came while the timer was being armed.
      if (this.#again) this.kick();
    });
  }

  async #pump(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      do {
        this.#again = false;
        while (this.#started && this.#running.size < this.#concurrency) {
          const claimed = await claimDue(this.#o.db, this.#now(), LEASE_MS);
          if (!claimed) break;
          if (!this.#started) {
            await releaseClaim(this.#o.db, claimed, this.#now());
            break;
          }
          const run: Promise<void> = this.#attempt(claimed)
            .catch((err: unknown) =>
              // The database failed us mid-attempt: the row's hold runs out and it is tried again.
              this.#o.log.error({ err, recording: claimed.recordingId }, 'recording delivery attempt failed'),
            )
            .finally(() => {
              this.#running.delete(run);
              this.kick();
            });
          this.#running.add(run);
        }
      } while (this.#again && this.#started);
      // Idle: the files kept for deliveries of the same recording are not needed any more.
      if (this.#running.size === 0) this.#files.clear();
      if (this.#started && this.#running.size < this.#concurrency) await this.#armTimer();
    } catch (err) {
      this.#o.log.error({ err }, 'recording delivery queue unreadable');
      if (this.#started) this.#arm(this.#pollMs);
    }
  }

  /** Wakes when the next delivery is due, or after the poll interval (work of other nodes). */
  async #armTimer(): Promise<void> {
    const due = await nextDue(this.#o.db);
    const wait = due ? due.getTime() - this.#now().getTime() : this.#pollMs;
    this.#arm(Math.min(this.#pollMs, Math.max(10, wait)));
  }

  #arm(ms: number): void {
    if (!this.#started) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.kick(), ms);
    this.#timer.unref();
  }

  async #attempt(d: ClaimedDelivery): Promise<void> {
    const { db, log } = this.#o;
    const signal = this.#abort.signal;
    const [row] = await db
      .select({ recording: recordings, method: deliveryMethods })
      .from(recordings)
      .innerJoin(deliveryMethods, eq(deliveryMethods.id, d.methodId))
      .where(and(eq(recordings.id, d.recordingId), eq(recordings.tenantId, d.tenantId)))
      .limit(1);
    // Deleted with its recording or method (the row went with them): nothing to do.
    if (!row) return;
    const { recording, method } = row;
    const where = { recording: recording.id, method: method.id, kind: method.kind, attempt: d.attempts };
    let onStop = () => {};
    const stopped = new Promise<'stopped'>((resolve) => {
      onStop = () => resolve('stopped');
    });
    if (signal.aborted) onStop();
    else signal.addEventListener('abort', onStop, { once: true });
    const sending = sendRecording(method, recording, {
      files: this.#files,
      sendMail: this.#o.sendMail,
      timeoutMs: this.#o.timeoutMs ?? MINUTE,
      signal,
    }).then(() => 'sent' as const);
    let outcome: 'sent' | 'stopped';
    try {
      // An encoding or a mail cannot be aborted midway: a stopping node does not wait for them.
      outcome = await Promise.race([sending, stopped]);
    } catch (e) {
      sending.catch(() => {});
      if (signal.aborted) {
        await releaseClaim(db, d, this.#now());
        return;
      }
      await this.#failed(d, e, method.secret, where);
      return;
    } finally {
      // The signal lives as long as the worker: each attempt takes its listener with it.
      signal.removeEventListener('abort', onStop);
    }
    if (outcome === 'stopped') {
      sending.catch(() => {});
      await releaseClaim(db, d, this.#now());
      return;
    }
    await markDelivered(db, d, this.#now());
    log.info(where, 'recording delivered');
  }

  async #failed(
    d: ClaimedDelivery,
    e: unknown,
    secret: string | null,
    where: Record<string, unknown>,
  ): Promise<void> {
    const final = e instanceof RecordingGone || e instanceof DeliveryRefused;
    const wait = final ? undefined : this.#schedule[d.attempts - 1];
    const retryAt = wait === undefined ? undefined : new Date(this.#now().getTime() + wait);
    const error = describeFailure(e, secret);
    await markAttemptFailed(this.#o.db, d, error, retryAt);
    if (e instanceof RecordingGone) this.#files.forget(d.recordingId);
    this.#o.log.warn(
      { ...where, error, retryAt: retryAt?.toISOString() ?? null },
      retryAt ? 'recording delivery failed; will retry' : 'recording delivery failed',
    );
  }
}
