// A company's calling policy (spec 000/003): where phones may register from (SIP ACL), bounds
// against toll fraud (concurrent external calls, monthly spend cap, blocked destinations)
// and the outbound dialing rules, with what was spent this month.
import { and, eq, gte, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normalizePrefix } from '../../pbx/dial-plan.ts';
import { IpAcl, IpAclError } from '../../pbx/ip-acl.ts';
import type { Db } from '../../store/database.ts';
import { callRecords, tenants } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { ApiError, errorBodySchema, notFound } from '../errors.ts';

/** 422: the request is well-formed but names something that cannot be used. */
export const unprocessable = (code: string, message: string, field?: string) =>
  new ApiError(422, code, message, field);

// Money in currency units with up to 6 decimals, kept as integer micros. At most 9 integer
// digits keeps every amount an exact JavaScript integer.
const MONEY_RE = /^\d{1,9}(\.\d{1,6})?$/;
export const money = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const s = typeof v === 'number' ? String(v) : v.trim();
    if (!MONEY_RE.test(s)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an amount such as 12.50: at most 9 digits, then up to 6 decimals',
      });
      return z.NEVER;
    }
    return toMicros(s);
  })
  .meta({ description: 'An amount in currency units, as "12.50" or 12.5 (up to 6 decimals)' });

function toMicros(s: string): number {
  const [whole = '0', frac = ''] = s.split('.');
  return Number(whole) * 1_000_000 + Number(frac.padEnd(6, '0'));
}

/** Micros as a decimal string with at least 2 decimals: 1500000 -> "1.50", 1234 -> "0.001234". */
export function formatMoney(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const m = Math.abs(micros);
  const frac = String(m % 1_000_000)
    .padStart(6, '0')
    .replace(/0{1,4}$/, '');
  return `${sign}${Math.floor(m / 1_000_000)}.${frac}`;
}

/** CIDR entries checked and written canonically; a bad one is a 422 naming it. */
export function validCidrs(entries: readonly string[], field: string): string[] {
  const out: string[] = [];
  entries.forEach((e, i) => {
    try {
      const [canonical] = new IpAcl([e]).toStrings();
      if (canonical && !out.includes(canonical)) out.push(canonical);
    } catch (err) {
      if (err instanceof IpAclError) throw unprocessable('invalid_ip_range', err.message, `${field}.${i}`);
      throw err;
    }
  });
  return out;
}

const digits = (min: 0 | 1) =>
  z
    .string()
    .trim()
    .regex(
      min ? /^\+?\d{1,15}$/ : /^(\+?\d{1,15})?$/,
      `must be ${min ? '' : 'empty or '}1 to 15 digits, optionally after +`,
    );

const dialingRule = z
  .object({
    startsWith: digits(1),
    replaceWith: digits(0),
    minLength: z.number().int().min(0).max(20),
  })
  .strict();

const callingSchema = z.object({
  sipAcl: z.array(z.string()),
  maxExternalCalls: z.number(),
  monthlySpendCap: z.string().nullable(),
  blockedPrefixes: z.array(z.string()),
  dialingRules: z.array(dialingRule),
  outboundTrunkId: z.string().nullable(),
  spentThisMonth: z.string(),
});

const callingBody = z
  .object({
    sipAcl: z.array(z.string().max(100)).max(100),
    maxExternalCalls: z.number().int().min(0).max(10_000),
    monthlySpendCap: money.nullable(),
    blockedPrefixes: z.array(z.string().max(40)).max(500),
    dialingRules: z.array(dialingRule).max(50),
  })
  .partial()
  .strict();

/** The start of the current calendar month in UTC. */
export function monthStartUtc(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export async function spentThisMonthMicros(db: Db, tenantId: string, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ total: sql<string>`coalesce(sum(${callRecords.costMicros}), 0)` })
    .from(callRecords)
    .where(and(eq(callRecords.tenantId, tenantId), gte(callRecords.startedAt, monthStartUtc(now))));
  return Number(row?.total ?? 0);
}

/** What changed, with the cap in currency units as the administrator wrote it. */
function auditDetails(set: Partial<typeof tenants.$inferInsert>): Record<string, unknown> {
  const { monthlySpendCapMicros: cap, ...rest } = set;
  if (cap === undefined) return rest;
  return { ...rest, monthlySpendCap: cap === null ? null : formatMoney(cap) };
}

export const callingRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;

  async function view(tenantId: string) {
    const [t] = await store.db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1);
    if (!t) throw notFound('company');
    return {
      sipAcl: t.sipAcl,
      maxExternalCalls: t.maxExternalCalls,
      monthlySpendCap: t.monthlySpendCapMicros === null ? null : formatMoney(t.monthlySpendCapMicros),
      blockedPrefixes: t.blockedPrefixes,
      dialingRules: t.dialingRules,
      outboundTrunkId: t.outboundTrunkId,
      spentThisMonth: formatMoney(await spentThisMonthMicros(store.db, tenantId)),
    };
  }

  app.get(
    '/tenant/calling',
    {
      config: { access: { resource: 'tenant', access: 'read' } },
      schema: {
        tags: ['company'],
        summary:
          'Calling policy: SIP ACL, external call limits, spend cap, blocked prefixes, dialing rules, and spend this month (UTC)',
        response: { 200: callingSchema },
      },
    },
    async (req) => view(tenantIdOf(req)),
  );

  app.patch(
    '/tenant/calling',
    {
      config: { access: { resource: 'tenant', access: 'write' } },
      schema: {
        tags: ['company'],
        summary: 'Change the calling policy (amounts in currency units; null cap: no cap)',
        body: callingBody,
        response: { 200: callingSchema, 400: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const b = req.body;
      const set: Partial<typeof tenants.$inferInsert> = {};
      if (b.sipAcl !== undefined) set.sipAcl = validCidrs(b.sipAcl, 'sipAcl');
      if (b.maxExternalCalls !== undefined) set.maxExternalCalls = b.maxExternalCalls;
      if (b.monthlySpendCap !== undefined) set.monthlySpendCapMicros = b.monthlySpendCap;
      if (b.blockedPrefixes !== undefined) {
        const prefixes: string[] = [];
        b.blockedPrefixes.forEach((p, i) => {
          const n = normalizePrefix(p);
          if (n === null)
            throw unprocessable(
              'invalid_prefix',
              `${JSON.stringify(p)} is not a number prefix such as +44 or +1900`,
              `blockedPrefixes.${i}`,
            );
          if (!prefixes.includes(n)) prefixes.push(n);
        });
        set.blockedPrefixes = prefixes;
      }
      if (b.dialingRules !== undefined) set.dialingRules = b.dialingRules;
      await store.db
        .update(tenants)
        .set({ ...set, updatedAt: new Date() })
        .where(eq(tenants.id, tenantId));
      await audit(store.db, req, {
        action: 'tenant.calling.update',
        resource: 'tenant',
        resourceId: tenantId,
        details: auditDetails(set),
      });
      await app.services.pbx?.directory.reload();
      return view(tenantId);
    },
  );
};
