// Toll-fraud bounds on external calls (spec 000): blocked destination prefixes, a per-tenant
// limit on concurrent external calls, and a monthly spend cap priced by the rate table.
import { eq, gte, sql } from 'drizzle-orm';
import type { Db } from '../../store/database.ts';
import { callRecords } from '../../store/schema.ts';
import { matchesPrefix, type RateTable } from '../dial-plan.ts';
import type { TenantRoute } from '../directory.ts';

export interface Refusal {
  status: number;
  reason: string;
}

const monthOf = (d: Date) => `${d.getUTCFullYear()}-${d.getUTCMonth()}`;

export class TollFraudGuard {
  readonly #active = new Map<string, number>();
  /** Spend this month per tenant, in micros; loaded from the call records on first use. */
  readonly #spent = new Map<string, { month: string; micros: number }>();
  readonly #loading = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Admits a new external call to `e164` and counts it as running (the returned function ends
   * it), or says why it must not start. The count is taken with no await after the limit is
   * read, so a burst of calls cannot all slip under it.
   */
  async admit(tenant: TenantRoute, e164: string): Promise<Refusal | (() => void)> {
    if (matchesPrefix(e164, tenant.blockedPrefixes)) return { status: 403, reason: 'Destination blocked' };
    if (tenant.monthlySpendCapMicros !== null) {
      const spent = await this.spent(tenant.id);
      if (spent >= tenant.monthlySpendCapMicros) return { status: 403, reason: 'Monthly spend cap reached' };
    }
    if ((this.#active.get(tenant.id) ?? 0) >= tenant.maxExternalCalls)
      return { status: 403, reason: 'Concurrent external call limit reached' };
    return this.acquire(tenant.id);
  }

  /** Counts an external call as running; the returned function ends it. */
  acquire(tenantId: string): () => void {
    this.#active.set(tenantId, (this.#active.get(tenantId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.#active.get(tenantId) ?? 1) - 1;
      if (n <= 0) this.#active.delete(tenantId);
      else this.#active.set(tenantId, n);
    };
  }

  active(tenantId: string): number {
    return this.#active.get(tenantId) ?? 0;
  }

  /** The price of an answered external call, added to the tenant's month. */
  charge(tenantId: string, rates: RateTable, e164: string, billableSeconds: number): number {
    const cost = rates.costMicros(e164, billableSeconds) ?? 0;
    const month = monthOf(this.now());
    const s = this.#spent.get(tenantId);
    if (s && s.month === month) s.micros += cost;
    return cost;
  }

  async spent(tenantId: string): Promise<number> {
    const month = monthOf(this.now());
    const s = this.#spent.get(tenantId);
    if (s && s.month === month) return s.micros;
    let loading = this.#loading.get(tenantId);
    if (!loading) {
      loading = this.load(tenantId, month).finally(() => this.#loading.delete(tenantId));
      this.#loading.set(tenantId, loading);
    }
    await loading;
    return this.#spent.get(tenantId)?.micros ?? 0;
  }

  private async load(tenantId: string, month: string): Promise<void> {
    const n = this.now();
    const start = new Date(Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), 1));
    const [row] = await this.db
      .select({ total: sql<string>`coalesce(sum(${callRecords.costMicros}), 0)` })
      .from(callRecords)
      .where(sql`${eq(callRecords.tenantId, tenantId)} and ${gte(callRecords.startedAt, start)}`);
    // Calls charged before this tenant's month was loaded count through their call records.
    this.#spent.set(tenantId, { month, micros: Number(row?.total ?? 0) });
  }
}
