// The company account: legal and billing details, time zone, SIP domain, 2FA policy, and how
// long call recordings are kept with the prompt played before one starts.
import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { applyRetention, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS } from '../../pbx/recording/index.ts';
import { audioPrompts, tenants } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { conflict, errorBodySchema, isUniqueViolation, notFound } from '../errors.ts';
import { countryCode, iso, name, postalAddress, timeZone } from '../schemas.ts';
import { unprocessable } from './calling.ts';

const tenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  legalName: z.string().nullable(),
  billingAddress: postalAddress.nullable(),
  country: z.string(),
  vatId: z.string().nullable(),
  timeZone: z.string(),
  sipDomain: z.string(),
  status: z.string(),
  requireAdmin2fa: z.boolean(),
  createdAt: z.string(),
});
const companySchema = tenantSchema.extend({
  recordingRetentionDays: z.number().describe('Recordings are deleted this many days after they end'),
  recordingConsentPromptId: z
    .string()
    .nullable()
    .describe('Audio prompt played to the caller before a recording starts'),
});
const companyView = (t: typeof tenants.$inferSelect) => ({
  ...tenantView(t),
  recordingRetentionDays: t.recordingRetentionDays,
  recordingConsentPromptId: t.recordingConsentPromptId,
});
export const tenantView = (t: typeof tenants.$inferSelect) => ({
  id: t.id,
  name: t.name,
  legalName: t.legalName,
  billingAddress: t.billingAddress,
  country: t.country,
  vatId: t.vatId,
  timeZone: t.timeZone,
  sipDomain: t.sipDomain,
  status: t.status,
  requireAdmin2fa: t.requireAdmin2fa,
  createdAt: iso(t.createdAt) as string,
});

// EU VAT numbers: two-letter country prefix and 2 to 13 letters or digits.
const vatId = z
  .string()
  .trim()
  .toUpperCase()
  .transform((v) => v.replace(/[\s.-]/g, ''))
  .pipe(z.string().regex(/^[A-Z]{2}[0-9A-Z]{2,13}$/, 'must be a VAT ID such as LV40003000000'));
const hostname = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a DNS name such as acme.example.com',
  );

export const tenantRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.services;

  app.get(
    '/tenant',
    {
      config: { access: { resource: 'tenant', access: 'read' } },
      schema: { tags: ['company'], summary: 'Your company account', response: { 200: companySchema } },
    },
    async (req) => {
      const [t] = await store.db
        .select()
        .from(tenants)
        .where(eq(tenants.id, tenantIdOf(req)))
        .limit(1);
      if (!t) throw notFound('company');
      return companyView(t);
    },
  );

  app.patch(
    '/tenant',
    {
      config: { access: { resource: 'tenant', access: 'write' } },
      schema: {
        tags: ['company'],
        summary:
          'Update company information, time zone, SIP domain, the administrator 2FA policy, or the recording retention and consent prompt. A new retention applies to existing recordings too (each expires that many days after it ended)',
        body: z
          .object({
            name: name(120),
            legalName: z.string().trim().min(1).max(200).nullable(),
            billingAddress: postalAddress.nullable(),
            country: countryCode,
            vatId: vatId.nullable(),
            timeZone,
            sipDomain: hostname,
            requireAdmin2fa: z.boolean(),
            recordingRetentionDays: z.number().int().min(MIN_RETENTION_DAYS).max(MAX_RETENTION_DAYS),
            recordingConsentPromptId: z.uuid('must be a prompt id').nullable(),
          })
          .partial()
          .strict(),
        response: { 200: companySchema, 400: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (req) => {
      const id = tenantIdOf(req);
      const consent = req.body.recordingConsentPromptId;
      if (consent) {
        const [prompt] = await store.db
          .select({ id: audioPrompts.id })
          .from(audioPrompts)
          .where(and(eq(audioPrompts.tenantId, id), eq(audioPrompts.id, consent)));
        if (!prompt)
          throw unprocessable(
            'unknown_prompt',
            'no such audio prompt in your library',
            'recordingConsentPromptId',
          );
      }
      try {
        const [t] = await store.db
          .update(tenants)
          .set({ ...req.body, updatedAt: new Date() })
          .where(eq(tenants.id, id))
          .returning();
        if (!t) throw notFound('company');
        if (req.body.recordingRetentionDays !== undefined)
          await applyRetention(store.db, id, req.body.recordingRetentionDays);
        app.services.pbx?.recordings.settings.forget(id);
        await audit(store.db, req, {
          action: 'tenant.update',
          resource: 'tenant',
          resourceId: id,
          details: req.body,
        });
        return companyView(t);
      } catch (err) {
        if (isUniqueViolation(err))
          throw conflict('sip_domain_taken', 'another company uses this SIP domain', 'sipDomain');
        throw err;
      }
    },
  );
};
