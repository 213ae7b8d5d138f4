// The company account: legal and billing details, time zone, SIP domain, 2FA policy.
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenants } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { conflict, errorBodySchema, isUniqueViolation, notFound } from '../errors.ts';
import { countryCode, iso, name, postalAddress, timeZone } from '../schemas.ts';

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
      schema: { tags: ['company'], summary: 'Your company account', response: { 200: tenantSchema } },
    },
    async (req) => {
      const [t] = await store.db
        .select()
        .from(tenants)
        .where(eq(tenants.id, tenantIdOf(req)))
        .limit(1);
      if (!t) throw notFound('company');
      return tenantView(t);
    },
  );

  app.patch(
    '/tenant',
    {
      config: { access: { resource: 'tenant', access: 'write' } },
      schema: {
        tags: ['company'],
        summary: 'Update company information, time zone, SIP domain or the administrator 2FA policy',
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
          })
          .partial()
          .strict(),
        response: { 200: tenantSchema, 400: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req) => {
      const id = tenantIdOf(req);
      try {
        const [t] = await store.db
          .update(tenants)
          .set({ ...req.body, updatedAt: new Date() })
          .where(eq(tenants.id, id))
          .returning();
        if (!t) throw notFound('company');
        await audit(store.db, req, {
          action: 'tenant.update',
          resource: 'tenant',
          resourceId: id,
          details: req.body,
        });
        return tenantView(t);
      } catch (err) {
        if (isUniqueViolation(err))
          throw conflict('sip_domain_taken', 'another company uses this SIP domain', 'sipDomain');
        throw err;
      }
    },
  );
};
