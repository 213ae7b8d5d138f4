// A tenant's recording settings (retention window, consent prompt), cached so that starting a
// recording on a live call does not wait on the database each time (DESIGN principle 4). The
// API forgets a tenant's entry when it changes them; other nodes catch up within the TTL.
import { eq } from 'drizzle-orm';
import type { Db } from '../../store/database.ts';
import { tenants } from '../../store/schema.ts';

export interface RecordingSettings {
  retentionDays: number;
  consentPromptId: string | null;
}

/** Bounds of the retention window (spec 000 "Retention": 7 days to 10 years). */
export const MIN_RETENTION_DAYS = 7;
export const MAX_RETENTION_DAYS = 3650;
const DEFAULT_RETENTION_DAYS = 365;
const TTL_MS = 60_000;

export class RecordingSettingsCache {
  readonly #entries = new Map<string, { value: RecordingSettings; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** The tenant's settings; `fresh` reads the database (when a recording ends, off the call path). */
  async get(tenantId: string, fresh = false): Promise<RecordingSettings> {
    const hit = this.#entries.get(tenantId);
    if (!fresh && hit && this.now() - hit.at < TTL_MS) return hit.value;
    const [row] = await this.db
      .select({
        retentionDays: tenants.recordingRetentionDays,
        consentPromptId: tenants.recordingConsentPromptId,
      })
      .from(tenants)
      .where(eq(tenants.id, tenantId))
      .limit(1);
    const value: RecordingSettings = {
      retentionDays: clampDays(row?.retentionDays ?? DEFAULT_RETENTION_DAYS),
      consentPromptId: row?.consentPromptId ?? null,
    };
    this.#entries.set(tenantId, { value, at: this.now() });
    return value;
  }

  forget(tenantId: string): void {
    this.#entries.delete(tenantId);
  }
}

function clampDays(days: number): number {
  return Math.min(MAX_RETENTION_DAYS, Math.max(MIN_RETENTION_DAYS, Math.trunc(days)));
}
