// The company's feature codes (spec 001/003 "Feature Codes"): what its phones dial, or press
// during a call, for voicemail, DND, forwarding, pickup, agent login and pause, spy, transfer,
// conference and record on demand. Everyone reads them (they are dialled by everyone);
// administrators change them. A PUT gives the whole set: features left out take their default.
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  checkFeatureCodes,
  DEFAULT_FEATURE_CODES,
  FEATURE_NAMES,
  FeatureCodeError,
  type FeatureCodes,
  type FeatureName,
  featureCodes,
  IN_CALL_FEATURES,
  TAKES_ARGUMENT,
} from '../../pbx/feature-codes.ts';
import { type FeatureCodeOverrides, tenants } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { errorBodySchema, notFound } from '../errors.ts';
import { unprocessable } from './calling.ts';

const codeMap = z.object(
  Object.fromEntries(FEATURE_NAMES.map((n) => [n, z.string()])) as Record<FeatureName, z.ZodString>,
);
const featureSchema = z.object({
  name: z.string(),
  code: z.string(),
  default: z.string(),
  inCall: z.boolean().describe('Pressed during a call (true) or dialled as a call of its own (false)'),
  takesArgument: z.boolean().describe('Followed by an extension or a number, e.g. 4#201'),
});
const responseSchema = z.object({
  codes: codeMap.describe('Every feature with the code in force'),
  features: z.array(featureSchema),
});
// Bounded before the checks run: longer strings can never be codes anyway.
const putBody = z
  .object(
    Object.fromEntries(FEATURE_NAMES.map((n) => [n, z.string().trim().max(16)])) as Record<
      FeatureName,
      z.ZodString
    >,
  )
  .partial()
  .strict();

const view = (codes: FeatureCodes) => ({
  codes,
  features: FEATURE_NAMES.map((name) => ({
    name,
    code: codes[name],
    default: DEFAULT_FEATURE_CODES[name],
    inCall: IN_CALL_FEATURES.has(name),
    takesArgument: TAKES_ARGUMENT.has(name),
  })),
});

export const featureCodeRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;

  async function current(tenantId: string): Promise<FeatureCodes> {
    const [t] = await store.db
      .select({ featureCodes: tenants.featureCodes })
      .from(tenants)
      .where(eq(tenants.id, tenantId))
      .limit(1);
    if (!t) throw notFound('company');
    return featureCodes(t.featureCodes);
  }

  app.get(
    '/feature-codes',
    {
      config: { access: { resource: 'tenant', access: 'read' } },
      schema: {
        tags: ['company'],
        summary: 'The feature codes your phones dial (or press in a call), with their defaults',
        response: { 200: responseSchema },
      },
    },
    async (req) => view(await current(tenantIdOf(req))),
  );

  app.put(
    '/feature-codes',
    {
      config: { access: { resource: 'tenant', access: 'write' } },
      schema: {
        tags: ['company'],
        summary:
          'Set the feature codes: each 2 to 6 keys of 0-9, * and # with at least one * or #; features left out take their default',
        body: putBody,
        response: { 200: responseSchema, 400: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const codes: FeatureCodes = { ...DEFAULT_FEATURE_CODES, ...req.body };
      try {
        checkFeatureCodes(codes);
      } catch (e) {
        if (e instanceof FeatureCodeError) throw unprocessable('invalid_feature_code', e.message, e.field);
        throw e;
      }
      // Only what differs from the defaults is kept: a later change of a default reaches everyone else.
      const overrides: FeatureCodeOverrides = {};
      for (const name of FEATURE_NAMES)
        if (codes[name] !== DEFAULT_FEATURE_CODES[name]) overrides[name] = codes[name];
      const [t] = await store.db
        .update(tenants)
        .set({ featureCodes: overrides, updatedAt: new Date() })
        .where(eq(tenants.id, tenantId))
        .returning({ id: tenants.id });
      if (!t) throw notFound('company');
      await audit(store.db, req, {
        action: 'feature_codes.update',
        resource: 'tenant',
        resourceId: tenantId,
        details: overrides,
      });
      // Phones dial the new codes from the next call on.
      await app.services.pbx?.directory.reload();
      return view(codes);
    },
  );
};
