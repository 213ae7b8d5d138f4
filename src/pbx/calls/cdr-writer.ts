// Call records are queued in memory and written in batches off the call path (DESIGN
// principle 4): one multi-row INSERT per second or per 500 records, whichever comes first.
import type { Logger } from 'pino';
import type { Db } from '../../store/database.ts';
import { callRecords } from '../../store/schema.ts';

export type CallRecord = typeof callRecords.$inferInsert;

const BATCH = 500;
const MAX_QUEUE = 100_000;

export class CdrWriter {
  #queue: CallRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  /** Records written, and records lost to a full queue (the database far behind). */
  written = 0;
  dropped = 0;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly intervalMs = 1000,
  ) {}

  async start(): Promise<void> {
    this.#timer = setInterval(() => void this.flush(), this.intervalMs);
    this.#timer.unref();
  }

  add(record: CallRecord): void {
    if (this.#queue.length >= MAX_QUEUE) {
      this.dropped++;
      return;
    }
    this.#queue.push(record);
    if (this.#queue.length >= BATCH) void this.flush();
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** Writes what is queued; concurrent callers share the running flush, then it runs again. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#queue.length === 0) return;
    this.#flushing = this.writeAll().finally(() => {
      this.#flushing = undefined;
    });
    await this.#flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, BATCH);
      try {
        await this.db.insert(callRecords).values(batch).onConflictDoNothing();
        this.written += batch.length;
      } catch (err) {
        // Keep the batch for the next tick; a database outage must not lose call records.
        this.#queue.unshift(...batch);
        this.log.error({ err, pending: this.#queue.length }, 'writing call records failed; will retry');
        return;
      }
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
