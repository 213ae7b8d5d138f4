// The retention job (spec 000 "Retention"): recordings past their expiry are deleted, the
// file first and then its row, so a failure in between leaves a row that the next run
// retries rather than a file nobody knows about. Runs at start and every hour, a bounded
// batch at a time; the clock is injectable for tests. It also completes the rows of
// recordings whose node stopped mid-call (never ended, older than the longest recording), so
// that they too expire.
import { rm, stat } from 'node:fs/promises';
import { and, asc, eq, isNotNull, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../store/database.ts';
import { recordings, tenants } from '../../store/schema.ts';
import { recordingFile } from './paths.ts';

export interface RetentionOptions {
  db: Db;
  dataDir: string;
  log: Logger;
  now?: () => Date;
  /** Between runs (default an hour). */
  intervalMs?: number;
  /** Most recordings deleted by one run (default 500); a full batch runs again a second later. */
  batch?: number;
}

export interface RetentionRun {
  deleted: number;
  /** Recordings left unfinished by a node that stopped, completed now. */
  completed: number;
  /** Rows whose file was already gone: removed all the same. */
  missingFiles: number;
  /** Files that could not be deleted (their rows stay for the next run). */
  failed: number;
}

/** Longer than the longest recording (4 h, src/media/engine/recorder.ts) with a margin. */
const ABANDONED_MS = 5 * 3600_000;

export class RetentionJob {
  readonly #o: Required<Omit<RetentionOptions, 'log'>> & { log: Logger };
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RetentionRun> | undefined;

  constructor(o: RetentionOptions) {
    this.#o = { now: () => new Date(), intervalMs: 3600_000, batch: 500, ...o };
  }

  /** Runs now, then every interval, until stop(). */
  start(): void {
    if (this.#timer) return;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => {
      void this.runOnce().then(
        (r) => {
          if (this.#timer) this.#schedule(r.deleted + r.failed >= this.#o.batch ? 1000 : this.#o.intervalMs);
        },
        (e: unknown) => {
          this.#o.log.error({ err: e }, 'recording retention run failed');
          if (this.#timer) this.#schedule(this.#o.intervalMs);
        },
      );
    }, ms);
    this.#timer.unref();
  }

  /** One run: deletes up to a batch of expired recordings. Runs never overlap. */
  runOnce(): Promise<RetentionRun> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #run(): Promise<RetentionRun> {
    const { db, dataDir, log, batch } = this.#o;
    const due = await db
      .select({ id: recordings.id, path: recordings.path })
      .from(recordings)
      .where(and(isNotNull(recordings.expiresAt), lte(recordings.expiresAt, this.#o.now())))
      .orderBy(asc(recordings.expiresAt))
      .limit(batch);
    const out: RetentionRun = {
      deleted: 0,
      completed: await this.#completeAbandoned(),
      missingFiles: 0,
      failed: 0,
    };
    for (const r of due) {
      const gone = await deleteFile(recordingFile(dataDir, r.path));
      if (gone === 'failed') {
        out.failed++;
        continue;
      }
      if (gone === 'missing') out.missingFiles++;
      await db.delete(recordings).where(eq(recordings.id, r.id));
      out.deleted++;
    }
    if (out.deleted || out.failed || out.completed) log.info(out, 'recording retention run');
    return out;
  }

  /** Rows never ended that started before any recording could still run: ended now. */
  async #completeAbandoned(): Promise<number> {
    const { db, dataDir, batch } = this.#o;
    const now = this.#o.now();
    const stale = await db
      .select({ id: recordings.id, path: recordings.path, days: tenants.recordingRetentionDays })
      .from(recordings)
      .innerJoin(tenants, eq(tenants.id, recordings.tenantId))
      .where(
        and(isNull(recordings.endedAt), lt(recordings.startedAt, new Date(now.getTime() - ABANDONED_MS))),
      )
      .limit(batch);
    for (const r of stale) {
      const file = recordingFile(dataDir, r.path);
      const bytes = file
        ? await stat(file).then(
            (s) => s.size,
            () => null,
          )
        : null;
      await db
        .update(recordings)
        .set({
          endedAt: now,
          bytes,
          durationMs: bytes === null ? 0 : Math.max(0, Math.round((bytes - 44) / 32)),
          expiresAt: new Date(now.getTime() + r.days * 86_400_000),
        })
        .where(eq(recordings.id, r.id));
    }
    return stale.length;
  }
}

/** Removes a recording's file: 'missing' when it was already gone, 'failed' when it stays. */
export async function deleteFile(file: string | undefined): Promise<'deleted' | 'missing' | 'failed'> {
  if (!file) return 'missing';
  try {
    await rm(file);
    return 'deleted';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'failed';
  }
}

/**
 * A tenant's new retention window applies to every recording it has: each expires that many
 * days after it ended (a shorter window deletes older recordings at the next run). Recordings
 * still running get theirs when they end.
 */
export async function applyRetention(db: Db, tenantId: string, days: number): Promise<void> {
  await db
    .update(recordings)
    .set({ expiresAt: sql`${recordings.endedAt} + make_interval(days => ${days}::int)` })
    .where(and(eq(recordings.tenantId, tenantId), isNotNull(recordings.endedAt)));
}
