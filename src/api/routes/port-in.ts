// Port-in requests: a tenant uploads the letter of authorization and the latest invoice;
// the operator moves the request through submitted -> in progress -> completed/rejected.
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newId } from '../../store/ids.ts';
import { files, portInRequests } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { ApiError, badRequest, errorBodySchema, notFound, validationFailed } from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { E164_RE, idParam, iso } from '../schemas.ts';

export const portInSchema = z.object({
  id: z.string(),
  numbers: z.array(z.string()),
  currentCarrier: z.string(),
  accountNumber: z.string().nullable(),
  requestedDate: z.string().nullable(),
  status: z.enum(['submitted', 'in_progress', 'completed', 'rejected']),
  loaFileId: z.string(),
  invoiceFileId: z.string(),
  submittedAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  rejectedAt: z.string().nullable(),
  rejectionReason: z.string().nullable(),
});
type PortInRow = typeof portInRequests.$inferSelect;
export const portInView = (r: PortInRow) => ({
  id: r.id,
  numbers: r.numbers,
  currentCarrier: r.currentCarrier,
  accountNumber: r.accountNumber,
  requestedDate: r.requestedDate,
  status: r.status,
  loaFileId: r.loaFileId,
  invoiceFileId: r.invoiceFileId,
  submittedAt: iso(r.submittedAt) as string,
  startedAt: iso(r.startedAt),
  completedAt: iso(r.completedAt),
  rejectedAt: iso(r.rejectedAt),
  rejectionReason: r.rejectionReason,
});

// Documents are recognised by their first bytes, not by the name or type a client sends.
const DOCUMENT_TYPES: { type: string; ext: string; magic: Buffer }[] = [
  { type: 'application/pdf', ext: 'pdf', magic: Buffer.from('%PDF-') },
  { type: 'image/png', ext: 'png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', ext: 'jpg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
];
const sniff = (data: Buffer) => DOCUMENT_TYPES.find((t) => data.subarray(0, t.magic.length).equals(t.magic));

const fieldsSchema = z.object({
  numbers: z
    .string()
    .max(20_000)
    .transform((s) => s.split(/[\s,;]+/).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(E164_RE, 'every number must be E.164, like +37167000000'))
        .min(1, 'give at least one number')
        .max(500),
    ),
  currentCarrier: z.string().trim().min(1, 'must not be empty').max(120),
  accountNumber: z.string().trim().max(60).optional(),
  requestedDate: z.iso.date('must be a date YYYY-MM-DD').optional(),
});

export const portInRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, files: storage } = app.services;

  app.post(
    '/port-in-requests',
    {
      config: { access: { resource: 'port_in', access: 'write' } },
      schema: {
        tags: ['numbers'],
        summary: 'Ask to port numbers in (multipart form)',
        description:
          'multipart/form-data with fields `numbers` (E.164, separated by commas or spaces), `currentCarrier`, optional `accountNumber` and `requestedDate` (YYYY-MM-DD), and two files: `loa` (letter of authorization) and `invoice` (latest invoice from the current carrier), each a PDF, PNG or JPEG.',
        consumes: ['multipart/form-data'],
        response: { 201: portInSchema, 400: errorBodySchema, 413: errorBodySchema, 415: errorBodySchema },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) throw new ApiError(415, 'unsupported_media_type', 'send multipart/form-data');
      const tenantId = tenantIdOf(req);
      const fields: Record<string, string> = {};
      const uploads: Record<string, { filename: string; data: Buffer }> = {};
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'loa' && part.fieldname !== 'invoice') {
            part.file.resume();
            throw badRequest('unexpected_file', `unexpected file field ${part.fieldname}`, part.fieldname);
          }
          uploads[part.fieldname] = { filename: part.filename.slice(0, 200), data: await part.toBuffer() };
        } else if (typeof part.value === 'string') {
          fields[part.fieldname] = part.value;
        }
      }
      const parsed = fieldsSchema.safeParse(fields);
      if (!parsed.success) throw validationFailed(parsed.error);
      // Both documents are checked before either is stored: a refused request leaves nothing behind.
      const documents = (['loa', 'invoice'] as const).map((name) => {
        const up = uploads[name];
        if (!up || up.data.length === 0) {
          const what = name === 'loa' ? 'letter of authorization' : 'latest invoice';
          throw badRequest('file_required', `attach the ${what} as "${name}"`, name);
        }
        const kind = sniff(up.data);
        if (!kind)
          throw new ApiError(415, 'unsupported_file_type', `${name} must be a PDF, PNG or JPEG file`, name);
        return { name, up, kind, id: newId() };
      });
      for (const { name, up, kind, id } of documents) {
        const key = `${tenantId}/${id}.${kind.ext}`;
        await storage.put(key, up.data);
        await store.db.insert(files).values({
          id,
          tenantId,
          purpose: `port-in-${name}`,
          filename: up.filename || `${name}.${kind.ext}`,
          contentType: kind.type,
          size: up.data.length,
          sha256: createHash('sha256').update(up.data).digest('hex'),
          storageKey: key,
        });
      }
      const [loaDoc, invoiceDoc] = documents;
      const [row] = await store.db
        .insert(portInRequests)
        .values({
          id: newId(),
          tenantId,
          numbers: parsed.data.numbers,
          currentCarrier: parsed.data.currentCarrier,
          accountNumber: parsed.data.accountNumber ?? null,
          requestedDate: parsed.data.requestedDate ?? null,
          status: 'submitted',
          loaFileId: loaDoc?.id as string,
          invoiceFileId: invoiceDoc?.id as string,
          submittedAt: new Date(),
        })
        .returning();
      if (!row) throw new Error('insert returned nothing');
      await audit(store.db, req, {
        action: 'port_in.submit',
        resource: 'port_in',
        resourceId: row.id,
        details: { numbers: row.numbers },
      });
      return reply.status(201).send(portInView(row));
    },
  );

  app.get(
    '/port-in-requests',
    {
      config: { access: { resource: 'port_in', access: 'read' } },
      schema: {
        tags: ['numbers'],
        summary: 'Your port-in requests',
        querystring: pageQuery,
        response: { 200: pageOf(portInSchema) },
      },
    },
    async (req) => {
      return listPage(
        store.db,
        portInRequests,
        req.query,
        portInView,
        and(eq(portInRequests.tenantId, tenantIdOf(req))),
      );
    },
  );

  app.get(
    '/port-in-requests/:id',
    {
      config: { access: { resource: 'port_in', access: 'read' } },
      schema: {
        tags: ['numbers'],
        summary: 'One port-in request',
        params: idParam,
        response: { 200: portInSchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const [row] = await store.db
        .select()
        .from(portInRequests)
        .where(and(eq(portInRequests.tenantId, tenantIdOf(req)), eq(portInRequests.id, req.params.id)));
      if (!row) throw notFound('port-in request');
      return portInView(row);
    },
  );

  app.get(
    '/files/:id',
    {
      config: { access: { resource: 'files', access: 'read' } },
      schema: { tags: ['files'], summary: 'Download an uploaded file', params: idParam },
    },
    async (req, reply) => {
      const [f] = await store.db
        .select()
        .from(files)
        .where(and(eq(files.tenantId, tenantIdOf(req)), eq(files.id, req.params.id)));
      if (!f) throw notFound('file');
      reply.header('content-type', f.contentType);
      reply.header('content-disposition', `attachment; filename="${f.filename.replace(/[^\w.-]/g, '_')}"`);
      reply.header('x-content-type-options', 'nosniff');
      return reply.send(await storage.get(f.storageKey));
    },
  );
};
