// The shared business contact directory: added by hand or imported from CSV; exported as
// CSV; and the company directory every user's app shows (people + contacts).
import { and, asc, eq, gt, ilike, or, type SQL } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newId } from '../../store/ids.ts';
import { contacts, people } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { CsvError, parseCsv, toCsv, uncell } from '../csv.ts';
import { ApiError, errorBodySchema, notFound } from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import {
  contactNumber,
  containsPattern,
  email,
  idParam,
  iso,
  labelledEmail,
  name,
  optionalText,
} from '../schemas.ts';

type ContactRow = typeof contacts.$inferSelect;
const contactSchema = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  company: z.string().nullable(),
  jobTitle: z.string().nullable(),
  emails: z.array(labelledEmail),
  contactNumbers: z.array(contactNumber),
  showInDirectory: z.boolean(),
  source: z.enum(['manual', 'csv']),
  createdAt: z.string(),
});
const contactView = (c: ContactRow) => ({
  id: c.id,
  firstName: c.firstName,
  lastName: c.lastName,
  company: c.company,
  jobTitle: c.jobTitle,
  emails: c.emails,
  contactNumbers: c.contactNumbers,
  showInDirectory: c.showInDirectory,
  source: c.source,
  createdAt: iso(c.createdAt) as string,
});
const contactFields = z.object({
  firstName: name(),
  lastName: name(),
  company: optionalText(),
  jobTitle: optionalText(),
  emails: z.array(labelledEmail).max(10).default([]),
  contactNumbers: z.array(contactNumber).max(10).default([]),
  showInDirectory: z.boolean().default(true),
});

// The CSV columns, in export order. Import matches headers case- and separator-insensitively.
const CSV_COLUMNS = [
  'first_name',
  'last_name',
  'company',
  'job_title',
  'work_email',
  'home_email',
  'phone',
  'mobile',
  'show_in_directory',
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
const normaliseHeader = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

const csvBool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => /^(|true|false|yes|no|1|0)$/.test(v), 'must be true or false')
  .transform((v) => v === '' || v === 'true' || v === 'yes' || v === '1');

/** Turns one CSV record into a contact, or the first thing wrong with it. */
function contactFromCsv(rec: Record<CsvColumn, string>) {
  const emails: { address: string; label: 'work' | 'home' }[] = [];
  const numbersOut: { number: string; label: string }[] = [];
  const checks: [CsvColumn, () => void][] = [
    [
      'work_email',
      () => rec.work_email && emails.push({ address: email.parse(rec.work_email), label: 'work' }),
    ],
    [
      'home_email',
      () => rec.home_email && emails.push({ address: email.parse(rec.home_email), label: 'home' }),
    ],
    [
      'phone',
      () =>
        rec.phone && numbersOut.push({ number: contactNumber.shape.number.parse(rec.phone), label: 'phone' }),
    ],
    [
      'mobile',
      () =>
        rec.mobile &&
        numbersOut.push({ number: contactNumber.shape.number.parse(rec.mobile), label: 'mobile' }),
    ],
  ];
  for (const [column, check] of checks) {
    try {
      check();
    } catch (err) {
      const msg = err instanceof z.ZodError ? (err.issues[0]?.message ?? 'invalid') : String(err);
      return { error: { field: column, message: msg } };
    }
  }
  const parsed = contactFields.safeParse({
    firstName: rec.first_name,
    lastName: rec.last_name,
    company: rec.company || null,
    jobTitle: rec.job_title || null,
    emails,
    contactNumbers: numbersOut,
    showInDirectory: csvBool.safeParse(rec.show_in_directory).data ?? Symbol('invalid'),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const column =
      (
        {
          firstName: 'first_name',
          lastName: 'last_name',
          company: 'company',
          jobTitle: 'job_title',
          showInDirectory: 'show_in_directory',
        } as Record<string, string>
      )[key] ?? key;
    return {
      error: {
        field: column,
        message: column === 'show_in_directory' ? 'must be true or false' : (issue?.message ?? 'invalid'),
      },
    };
  }
  return { contact: parsed.data };
}

export const contactRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, config } = app.services;
  const read = { access: { resource: 'contacts' as const, access: 'read' as const } };
  const write = { access: { resource: 'contacts' as const, access: 'write' as const } };

  app.addContentTypeParser(
    ['text/csv', 'text/plain'],
    { parseAs: 'string', bodyLimit: config.uploadMaxBytes },
    (_req, body, done) => done(null, body),
  );

  app.get(
    '/contacts',
    {
      config: read,
      schema: {
        tags: ['directory'],
        summary: 'Shared contacts, optionally searched by name or company',
        querystring: pageQuery.extend({ search: z.string().trim().max(100).optional() }),
        response: { 200: pageOf(contactSchema) },
      },
    },
    async (req) => {
      const { search } = req.query;
      const conds: (SQL | undefined)[] = [eq(contacts.tenantId, tenantIdOf(req))];
      if (search) {
        const like = containsPattern(search);
        conds.push(
          or(ilike(contacts.firstName, like), ilike(contacts.lastName, like), ilike(contacts.company, like)),
        );
      }
      return listPage(store.db, contacts, req.query, contactView, ...conds);
    },
  );

  app.post(
    '/contacts',
    {
      config: write,
      schema: {
        tags: ['directory'],
        summary: 'Add a contact',
        body: contactFields.strict(),
        response: { 201: contactSchema, 400: errorBodySchema },
      },
    },
    async (req, reply) => {
      const [c] = await store.db
        .insert(contacts)
        .values({ ...req.body, id: newId(), tenantId: tenantIdOf(req), source: 'manual' })
        .returning();
      if (!c) throw new Error('insert returned nothing');
      await audit(store.db, req, { action: 'contact.create', resource: 'contacts', resourceId: c.id });
      return reply.status(201).send(contactView(c));
    },
  );

  app.patch(
    '/contacts/:id',
    {
      config: write,
      schema: {
        tags: ['directory'],
        summary: 'Change a contact',
        params: idParam,
        body: contactFields.partial().strict(),
        response: { 200: contactSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const [c] = await store.db
        .update(contacts)
        .set({ ...req.body, updatedAt: new Date() })
        .where(and(eq(contacts.tenantId, tenantIdOf(req)), eq(contacts.id, req.params.id)))
        .returning();
      if (!c) throw notFound('contact');
      await audit(store.db, req, { action: 'contact.update', resource: 'contacts', resourceId: c.id });
      return contactView(c);
    },
  );

  app.delete(
    '/contacts/:id',
    {
      config: write,
      schema: {
        tags: ['directory'],
        summary: 'Delete a contact',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema },
      },
    },
    async (req, reply) => {
      const [c] = await store.db
        .delete(contacts)
        .where(and(eq(contacts.tenantId, tenantIdOf(req)), eq(contacts.id, req.params.id)))
        .returning({ id: contacts.id });
      if (!c) throw notFound('contact');
      await audit(store.db, req, { action: 'contact.delete', resource: 'contacts', resourceId: c.id });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/contacts/import',
    {
      config: write,
      schema: {
        tags: ['directory'],
        summary: 'Import contacts from CSV (text/csv body)',
        description: `Columns (header row required, order free): ${CSV_COLUMNS.join(', ')}. first_name and last_name are required. A row with any error is not imported at all; every such row is reported. With dryRun=true nothing is imported.`,
        consumes: ['text/csv'],
        querystring: z.object({ dryRun: z.enum(['true', 'false']).default('false') }),
        response: {
          200: z.object({
            imported: z.number(),
            rejected: z.number(),
            dryRun: z.boolean(),
            errors: z.array(z.object({ row: z.number(), field: z.string(), message: z.string() })),
          }),
          400: errorBodySchema,
          413: errorBodySchema,
          415: errorBodySchema,
        },
      },
    },
    async (req) => {
      if (typeof req.body !== 'string')
        throw new ApiError(415, 'unsupported_media_type', 'send the file as text/csv');
      let rows: string[][];
      try {
        rows = parseCsv(req.body, config.csvMaxRows + 1);
      } catch (err) {
        if (err instanceof CsvError) throw new ApiError(400, 'invalid_csv', err.message);
        throw err;
      }
      const [header, ...records] = rows;
      if (!header) throw new ApiError(400, 'invalid_csv', 'the file is empty');
      const columns = header.map(normaliseHeader);
      const unknown = columns.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
      if (unknown.length)
        throw new ApiError(
          400,
          'invalid_csv',
          `unknown column(s): ${unknown.join(', ')}; expected ${CSV_COLUMNS.join(', ')}`,
        );
      for (const required of ['first_name', 'last_name']) {
        if (!columns.includes(required))
          throw new ApiError(400, 'invalid_csv', `the header has no ${required} column`);
      }
      const errors: { row: number; field: string; message: string }[] = [];
      const good: z.infer<typeof contactFields>[] = [];
      records.forEach((fields, i) => {
        const row = i + 2; // the header is row 1, as a spreadsheet numbers it
        if (fields.length !== columns.length) {
          errors.push({
            row,
            field: '',
            message: `has ${fields.length} fields, the header has ${columns.length}`,
          });
          return;
        }
        const rec = Object.fromEntries(CSV_COLUMNS.map((c) => [c, ''])) as Record<CsvColumn, string>;
        columns.forEach((c, j) => {
          rec[c as CsvColumn] = uncell((fields[j] ?? '').trim());
        });
        const result = contactFromCsv(rec);
        if ('error' in result && result.error) errors.push({ row, ...result.error });
        else if (result.contact) good.push(result.contact);
      });
      const dryRun = req.query.dryRun === 'true';
      const tenantId = tenantIdOf(req);
      if (!dryRun && good.length) {
        await store.db.transaction(async (tx) => {
          for (let i = 0; i < good.length; i += 500) {
            await tx
              .insert(contacts)
              .values(
                good.slice(i, i + 500).map((c) => ({ ...c, id: newId(), tenantId, source: 'csv' as const })),
              );
          }
        });
        await audit(store.db, req, {
          action: 'contact.import',
          resource: 'contacts',
          details: { imported: good.length, rejected: errors.length },
        });
      }
      return { imported: dryRun ? 0 : good.length, rejected: errors.length, dryRun, errors };
    },
  );

  app.get(
    '/contacts/export',
    {
      config: read,
      schema: {
        tags: ['directory'],
        summary: 'All contacts as CSV (the import format)',
        produces: ['text/csv'],
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const out: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.db
          .select()
          .from(contacts)
          .where(and(eq(contacts.tenantId, tenantId), after ? gt(contacts.id, after) : undefined))
          .orderBy(asc(contacts.id))
          .limit(1000);
        for (const c of page) {
          const byLabel = (l: string) => c.contactNumbers.find((n) => n.label === l)?.number;
          const nums = c.contactNumbers.map((n) => n.number);
          out.push([
            c.firstName,
            c.lastName,
            c.company ?? '',
            c.jobTitle ?? '',
            c.emails.find((e) => e.label === 'work')?.address ?? '',
            c.emails.find((e) => e.label === 'home')?.address ?? '',
            byLabel('phone') ?? nums.find((n) => n !== byLabel('mobile')) ?? '',
            byLabel('mobile') ?? '',
            String(c.showInDirectory),
          ]);
        }
        if (page.length < 1000) break;
        after = page[page.length - 1]?.id;
      }
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', 'attachment; filename="contacts.csv"');
      return toCsv(CSV_COLUMNS, out);
    },
  );

  app.get(
    '/directory',
    {
      config: { access: { resource: 'people', access: 'read' } },
      schema: {
        tags: ['directory'],
        summary: 'The company directory: people and contacts shown in it, sorted by name',
        response: {
          200: z.object({
            entries: z.array(
              z.object({
                kind: z.enum(['person', 'contact']),
                id: z.string(),
                name: z.string(),
                company: z.string().nullable(),
                department: z.string().nullable(),
                jobTitle: z.string().nullable(),
                extension: z.string().nullable(),
                numbers: z.array(z.string()),
                emails: z.array(z.string()),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const [ps, cs] = await Promise.all([
        store.db
          .select()
          .from(people)
          .where(and(eq(people.tenantId, tenantId), eq(people.showInDirectory, true)))
          .limit(5000),
        store.db
          .select()
          .from(contacts)
          .where(and(eq(contacts.tenantId, tenantId), eq(contacts.showInDirectory, true)))
          .limit(5000),
      ]);
      const entries = [
        ...ps.map((p) => ({
          kind: 'person' as const,
          id: p.id,
          name: `${p.firstName} ${p.lastName}`,
          company: p.company,
          department: p.department,
          jobTitle: p.jobTitle,
          extension: p.extension,
          numbers: p.contactNumbers.map((n) => n.number),
          emails: p.emails.map((e) => e.address),
        })),
        ...cs.map((c) => ({
          kind: 'contact' as const,
          id: c.id,
          name: `${c.firstName} ${c.lastName}`,
          company: c.company,
          department: null,
          jobTitle: c.jobTitle,
          extension: null,
          numbers: c.contactNumbers.map((n) => n.number),
          emails: c.emails.map((e) => e.address),
        })),
      ].sort((a, b) => a.name.localeCompare(b.name));
      return { entries };
    },
  );
};
