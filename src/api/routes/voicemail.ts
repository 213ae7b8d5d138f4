// Voicemail boxes and messages (spec 000 "Voicemail"): every person and every queue has a
// box with its PIN, greeting (default, uploaded, recorded by phone, or spoken by TTS),
// maximum message length and delivery addresses; messages are listed, played, marked saved
// and deleted. An agent sees only their own box; supervisors and administrators all of the
// company's. Changes reach phones at once (message-waiting, RFC 3842).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { and, eq, type SQL } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { encodeWav } from '../../media/audio/wav.ts';
import { decodeAudioFile, synthesizeSpeech } from '../../media/index.ts';
import { phrases } from '../../pbx/voicemail/phrases.ts';
import { hashPin, PIN_PATTERN } from '../../pbx/voicemail/pin.ts';
import type { GreetingFiles } from '../../pbx/voicemail/service.ts';
import { type BoxRow, type MessageRow, VoicemailStore } from '../../pbx/voicemail/store.ts';
import type { FileStorage } from '../../services/files.ts';
import type { Db } from '../../store/database.ts';
import { newId } from '../../store/ids.ts';
import { files, voicemailBoxes, voicemailMessages } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import { ApiError, badRequest, errorBodySchema, notFound } from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { email, idParam, iso } from '../schemas.ts';
import { audioError, checkLanguage } from './prompts.ts';

const RATE = 8000;
export const MAX_BOX_EMAILS = 10;
export const MAX_GREETING_TEXT = 1000;
const GREETING_MAX_MS = 2 * 60_000;

/** Greeting WAVs as files of the tenant (uploads and recordings by phone alike). */
export function greetingFiles(db: Db, storage: FileStorage): GreetingFiles {
  return {
    async save(tenantId, wav, filename) {
      const fileId = newId();
      const key = `${tenantId}/${fileId}.wav`;
      await storage.put(key, wav);
      try {
        await db.insert(files).values({
          id: fileId,
          tenantId,
          purpose: 'voicemail-greeting',
          filename,
          contentType: 'audio/wav',
          size: wav.length,
          sha256: createHash('sha256').update(wav).digest('hex'),
          storageKey: key,
        });
      } catch (err) {
        await storage.delete(key);
        throw err;
      }
      return fileId;
    },
    async remove(tenantId, fileId) {
      const [f] = await db
        .delete(files)
        .where(and(eq(files.tenantId, tenantId), eq(files.id, fileId)))
        .returning();
      if (f) await storage.delete(f.storageKey);
    },
  };
}

/**
 * Before a person or queue is deleted: what of its voicemail lives outside the database.
 * The returned function, called after the delete, removes those files (the rows cascade).
 */
export async function voicemailLeftovers(
  db: Db,
  storage: FileStorage,
  dataDir: string,
  tenantId: string,
  owner: { personId: string } | { queueId: string },
): Promise<() => Promise<void>> {
  const vm = new VoicemailStore(db, dataDir);
  const { messagePaths, greetingFileIds } = await vm.ownerFiles(tenantId, owner);
  const greetings = greetingFiles(db, storage);
  return async () => {
    await Promise.all(messagePaths.map((path) => rm(vm.absolute(path), { force: true })));
    for (const fileId of greetingFileIds) await greetings.remove(tenantId, fileId);
  };
}

const greetingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('default') }),
  z.object({ kind: z.literal('file'), fileId: z.string() }),
  z.object({ kind: z.literal('tts'), text: z.string(), language: z.string(), voice: z.string().nullable() }),
]);

const boxSchema = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('person'), personId: z.string() }),
    z.object({ kind: z.literal('queue'), queueId: z.string() }),
  ]),
  hasPin: z.boolean().describe('Whether a PIN is set (the PIN itself is never shown)'),
  greeting: greetingSchema,
  maxMessageSeconds: z.number().int(),
  emails: z.array(z.string()).describe('New messages are mailed here, with the MP3 when attachAudio'),
  attachAudio: z.boolean(),
  messages: z.object({ new: z.number().int(), saved: z.number().int() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const messageSchema = z.object({
  id: z.string(),
  boxId: z.string(),
  callerNumber: z.string(),
  callerName: z.string().nullable(),
  status: z.enum(['new', 'saved']),
  durationMs: z.number().int(),
  createdAt: z.string(),
  audioUrl: z.string().describe('The message as a WAV file (8 kHz, mono, 16-bit)'),
});

const boxView = (b: BoxRow, counts: { new: number; old: number }) => ({
  id: b.id,
  name: b.name,
  owner: b.personId
    ? { kind: 'person' as const, personId: b.personId }
    : { kind: 'queue' as const, queueId: b.queueId as string },
  hasPin: b.pinHash !== null,
  greeting: b.greeting.kind === 'tts' ? { ...b.greeting, voice: b.greeting.voice ?? null } : b.greeting,
  maxMessageSeconds: b.maxMessageSeconds,
  emails: b.emails,
  attachAudio: b.attachAudio,
  messages: { new: counts.new, saved: counts.old },
  createdAt: iso(b.createdAt) as string,
  updatedAt: iso(b.updatedAt) as string,
});

const messageView = (m: MessageRow) => ({
  id: m.id,
  boxId: m.boxId,
  callerNumber: m.callerNumber,
  callerName: m.callerName,
  status: m.status,
  durationMs: m.durationMs,
  createdAt: iso(m.createdAt) as string,
  audioUrl: `/api/voicemail/messages/${m.id}/audio`,
});

const boxUpdate = z
  .object({
    pin: z
      .string()
      .regex(PIN_PATTERN, 'must be 4 to 10 digits')
      .nullable()
      .describe('A new PIN, or null to remove it (the box can then be opened only from its own phone)'),
    name: z.string().trim().min(1, 'must not be empty').max(100),
    maxMessageSeconds: z.number().int().min(10, 'must be at least 10').max(600, 'must be at most 600'),
    emails: z.array(email).max(MAX_BOX_EMAILS, `at most ${MAX_BOX_EMAILS} addresses`),
    attachAudio: z.boolean(),
    greeting: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('default') }).strict(),
      z
        .object({
          kind: z.literal('tts'),
          text: z
            .string()
            .trim()
            .min(1, 'must not be empty')
            .max(MAX_GREETING_TEXT, `must be at most ${MAX_GREETING_TEXT} characters`),
          language: z.string().trim().toLowerCase().max(40),
          voice: z
            .string()
            .trim()
            .regex(/^[a-z0-9_]{1,20}$/i, 'must be a voice variant such as f3 or m2')
            .optional(),
        })
        .strict(),
    ]),
  })
  .partial()
  .strict();

const messageUpdate = z.object({ status: z.enum(['new', 'saved']) }).strict();

/** A WAV response, never sniffed as anything else by a browser. */
const wavHeaders = { 'content-type': 'audio/wav', 'x-content-type-options': 'nosniff' };

export const voicemailRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, files: storage, config } = app.services;
  const vm = new VoicemailStore(store.db, config.dataDir);
  const greetings = greetingFiles(store.db, storage);
  const read = { access: { resource: 'voicemail' as const, access: 'read' as const } };
  const write = { access: { resource: 'voicemail' as const, access: 'write' as const } };

  /** An agent's own box only: everyone else's is not there for them. */
  const ownOnly = (req: FastifyRequest) => {
    const p = req.principal;
    return p?.kind === 'user' && p.role === 'agent' ? (p.personId ?? '') : undefined;
  };

  async function visibleBox(req: FastifyRequest, id: string): Promise<BoxRow> {
    const box = await vm.box(tenantIdOf(req), id);
    const own = ownOnly(req);
    if (!box || (own !== undefined && box.personId !== own)) throw notFound('voicemail box');
    return box;
  }

  async function visibleMessage(
    req: FastifyRequest,
    id: string,
  ): Promise<{ box: BoxRow; message: MessageRow }> {
    const message = await vm.message(tenantIdOf(req), id);
    if (!message) throw notFound('voicemail message');
    const box = await visibleBox(req, message.boxId).catch(() => {
      throw notFound('voicemail message');
    });
    return { box, message };
  }

  /** Phones of the box's person see the change at once. */
  const changed = (box: BoxRow) => app.services.pbx?.voicemail.changed(box);

  const view = async (box: BoxRow) => boxView(box, await vm.counts(box.id));

  app.get(
    '/voicemail/boxes',
    {
      config: read,
      schema: {
        tags: ['voicemail'],
        summary: 'Voicemail boxes: every person and queue of the company (an agent: their own)',
        querystring: pageQuery.extend({
          personId: z.uuid('must be an id').optional(),
          queueId: z.uuid('must be an id').optional(),
        }),
        response: { 200: pageOf(boxSchema), 400: errorBodySchema },
      },
    },
    async (req) => {
      const tenantId = tenantIdOf(req);
      const own = ownOnly(req);
      // Boxes are made on first need: a new person or queue has one from its first listing.
      if (own === '') return { items: [], nextCursor: null };
      if (own !== undefined) await vm.personBox(tenantId, own);
      else await vm.ensureBoxes(tenantId);
      const where: SQL[] = [eq(voicemailBoxes.tenantId, tenantId)];
      if (own !== undefined) where.push(eq(voicemailBoxes.personId, own));
      if (req.query.personId) where.push(eq(voicemailBoxes.personId, req.query.personId));
      if (req.query.queueId) where.push(eq(voicemailBoxes.queueId, req.query.queueId));
      const page = await listPage(store.db, voicemailBoxes, req.query, (b) => b, ...where);
      const counts = await vm.countsOf(page.items.map((b) => b.id));
      return {
        items: page.items.map((b) => boxView(b, counts.get(b.id) ?? { new: 0, old: 0 })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/voicemail/boxes/:id',
    {
      config: read,
      schema: {
        tags: ['voicemail'],
        summary: 'One voicemail box',
        params: idParam,
        response: { 200: boxSchema, 404: errorBodySchema },
      },
    },
    async (req) => view(await visibleBox(req, req.params.id)),
  );

  app.patch(
    '/voicemail/boxes/:id',
    {
      config: write,
      schema: {
        tags: ['voicemail'],
        summary: 'Change a box: PIN, name, greeting (default or TTS), maximum message length, mail delivery',
        description:
          'Only the fields given change. The PIN is stored as a hash and never returned. An uploaded greeting goes to PUT /api/voicemail/boxes/{id}/greeting; one recorded by phone is made in listen mode (key 0).',
        params: idParam,
        body: boxUpdate,
        response: { 200: boxSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const box = await visibleBox(req, req.params.id);
      const { pin, greeting, ...rest } = req.body;
      if (greeting?.kind === 'tts') await checkLanguage(greeting.language, 'greeting.language');
      const set: Parameters<VoicemailStore['updateBox']>[2] = { ...rest };
      if (pin !== undefined) set.pinHash = pin === null ? null : await hashPin(pin);
      if (greeting) set.greeting = greeting;
      const updated = await vm.updateBox(box.tenantId, box.id, set);
      if (!updated) throw notFound('voicemail box');
      if (greeting && box.greeting.kind === 'file')
        await greetings.remove(box.tenantId, box.greeting.fileId).catch(() => {});
      await audit(store.db, req, {
        action: 'voicemail.box_update',
        resource: 'voicemail',
        resourceId: box.id,
        details: { fields: Object.keys(req.body) },
      });
      return view(updated);
    },
  );

  app.put(
    '/voicemail/boxes/:id/greeting',
    {
      config: write,
      schema: {
        tags: ['voicemail'],
        summary: 'Upload a recording as the greeting (multipart form, field "file")',
        description: `multipart/form-data with a file \`file\`: a WAV or an MP3, recognised by its content, of at most ${config.uploadMaxBytes} bytes and 2 minutes, checked as audio prompts are (415 for another format, 422 for a damaged file). It is kept as its 8 kHz mono WAV rendering.`,
        consumes: ['multipart/form-data'],
        params: idParam,
        response: {
          200: boxSchema,
          400: errorBodySchema,
          404: errorBodySchema,
          413: errorBodySchema,
          415: errorBodySchema,
          422: errorBodySchema,
        },
      },
    },
    async (req) => {
      const box = await visibleBox(req, req.params.id);
      if (!req.isMultipart()) throw new ApiError(415, 'unsupported_media_type', 'send multipart/form-data');
      let upload: Buffer | undefined;
      for await (const part of req.parts()) {
        if (part.type !== 'file') continue;
        if (part.fieldname !== 'file' || upload) {
          part.file.resume();
          throw badRequest('unexpected_file', 'send one file, as the field "file"', part.fieldname);
        }
        upload = await part.toBuffer();
      }
      if (!upload || upload.length === 0)
        throw badRequest('file_required', 'attach the recording as the field "file"', 'file');
      let pcm: Int16Array;
      try {
        pcm = (
          await decodeAudioFile(upload, { maxBytes: config.uploadMaxBytes, maxDurationMs: GREETING_MAX_MS })
        ).pcm;
      } catch (err) {
        throw audioError(err, 'file');
      }
      const fileId = await greetings.save(box.tenantId, encodeWav(RATE, 1, pcm), `greeting-${box.id}.wav`);
      const updated = await vm.updateBox(box.tenantId, box.id, { greeting: { kind: 'file', fileId } });
      if (!updated) {
        await greetings.remove(box.tenantId, fileId);
        throw notFound('voicemail box');
      }
      if (box.greeting.kind === 'file')
        await greetings.remove(box.tenantId, box.greeting.fileId).catch(() => {});
      await audit(store.db, req, {
        action: 'voicemail.greeting_upload',
        resource: 'voicemail',
        resourceId: box.id,
        details: { bytes: upload.length, durationMs: Math.round((pcm.length / RATE) * 1000) },
      });
      return view(updated);
    },
  );

  app.get(
    '/voicemail/boxes/:id/greeting',
    {
      config: read,
      schema: {
        tags: ['voicemail'],
        summary: 'What callers hear first, as a WAV file (8 kHz, mono, 16-bit)',
        description:
          'The uploaded or phone-recorded greeting, or the TTS text (the default one included) spoken now.',
        params: idParam,
      },
    },
    async (req, reply) => {
      const box = await visibleBox(req, req.params.id);
      const g = box.greeting;
      let wav: Buffer;
      if (g.kind === 'file') {
        const [f] = await store.db
          .select()
          .from(files)
          .where(and(eq(files.tenantId, box.tenantId), eq(files.id, g.fileId)));
        if (!f) throw notFound('greeting audio');
        wav = await storage.get(f.storageKey);
      } else {
        const speech =
          g.kind === 'tts'
            ? { text: g.text, language: g.language, ...(g.voice ? { voice: g.voice } : {}) }
            : { text: phrases.unavailable(box.name), language: 'en' };
        try {
          wav = encodeWav(RATE, 1, await synthesizeSpeech(speech));
        } catch (err) {
          throw audioError(err, 'greeting');
        }
      }
      return reply
        .headers({ ...wavHeaders, 'content-disposition': 'inline; filename="greeting.wav"' })
        .send(wav);
    },
  );

  app.get(
    '/voicemail/boxes/:id/messages',
    {
      config: read,
      schema: {
        tags: ['voicemail'],
        summary: "A box's messages, oldest first",
        params: idParam,
        querystring: pageQuery.extend({ status: z.enum(['new', 'saved']).optional() }),
        response: { 200: pageOf(messageSchema), 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const box = await visibleBox(req, req.params.id);
      return listPage(
        store.db,
        voicemailMessages,
        req.query,
        messageView,
        eq(voicemailMessages.tenantId, box.tenantId),
        eq(voicemailMessages.boxId, box.id),
        req.query.status ? eq(voicemailMessages.status, req.query.status) : undefined,
      );
    },
  );

  app.get(
    '/voicemail/messages/:id',
    {
      config: read,
      schema: {
        tags: ['voicemail'],
        summary: 'One message',
        params: idParam,
        response: { 200: messageSchema, 404: errorBodySchema },
      },
    },
    async (req) => messageView((await visibleMessage(req, req.params.id)).message),
  );

  app.get(
    '/voicemail/messages/:id/audio',
    {
      config: read,
      schema: {
        tags: ['voicemail'],
        summary: 'The message as a WAV file (8 kHz, mono, 16-bit)',
        description: 'Listening here does not mark the message saved; PATCH it for that.',
        params: idParam,
      },
    },
    async (req, reply) => {
      const { message } = await visibleMessage(req, req.params.id);
      const size = await vm.fileSize(message.path);
      if (size === undefined) throw notFound('voicemail audio');
      const stamp = message.createdAt.toISOString().replace(/[:.]/g, '-');
      return reply
        .headers({
          ...wavHeaders,
          'content-length': String(size),
          'content-disposition': `inline; filename="voicemail-${stamp}.wav"`,
        })
        .send(createReadStream(vm.absolute(message.path)));
    },
  );

  app.patch(
    '/voicemail/messages/:id',
    {
      config: write,
      schema: {
        tags: ['voicemail'],
        summary: 'Mark a message saved (heard) or new again',
        params: idParam,
        body: messageUpdate,
        response: { 200: messageSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const { box, message } = await visibleMessage(req, req.params.id);
      const [row] = await store.db
        .update(voicemailMessages)
        .set({ status: req.body.status })
        .where(and(eq(voicemailMessages.tenantId, box.tenantId), eq(voicemailMessages.id, message.id)))
        .returning();
      if (!row) throw notFound('voicemail message');
      if (row.status !== message.status) changed(box);
      return messageView(row);
    },
  );

  app.delete(
    '/voicemail/messages/:id',
    {
      config: write,
      schema: {
        tags: ['voicemail'],
        summary: 'Delete a message and its audio',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema },
      },
    },
    async (req, reply) => {
      const { box, message } = await visibleMessage(req, req.params.id);
      await vm.deleteMessage(box.tenantId, message.id);
      changed(box);
      await audit(store.db, req, {
        action: 'voicemail.message_delete',
        resource: 'voicemail',
        resourceId: message.id,
        details: { boxId: box.id, callerNumber: message.callerNumber },
      });
      return reply.status(204).send(null);
    },
  );
};
