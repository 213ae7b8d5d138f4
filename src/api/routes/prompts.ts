// The audio prompt library: greetings and menu prompts uploaded as WAV or MP3, or spoken by
// TTS. An upload is decoded and checked (format by content, size, duration) before anything
// is stored, and kept as its 8 kHz mono WAV rendering: what callers hear, what the PBX plays.
// Flow nodes refer to prompts as { kind: 'file', promptId }; a prompt in use cannot be deleted.
import { createHash } from 'node:crypto';
import { and, count, eq, or } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
// encodeWav is not part of the media layer's public surface yet; it writes the 44-byte header.
import { encodeWav } from '../../media/audio/wav.ts';
import { decodeAudioFile, isMediaError, synthesizeSpeech, ttsLanguages } from '../../media/index.ts';
import { newId } from '../../store/ids.ts';
import { audioPrompts, files, lines, people, queues, tenants } from '../../store/schema.ts';
import { audit } from '../audit.ts';
import { tenantIdOf } from '../auth/guard.ts';
import {
  ApiError,
  badRequest,
  conflict,
  errorBodySchema,
  isUniqueViolation,
  notFound,
  validationFailed,
} from '../errors.ts';
import { listPage, pageOf, pageQuery } from '../pagination.ts';
import { idParam, iso } from '../schemas.ts';
import { draftJson, liveGraph, nodesUsingPrompt, workspaceRow } from './flow-store.ts';

export const MAX_PROMPTS = 1000;
export const MAX_PROMPT_TEXT = 2000;
export const MAX_PREVIEW_TEXT = 500;
const RATE = 8000;

const promptSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['file', 'tts']),
  text: z.string().nullable(),
  language: z.string().nullable(),
  voice: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  fileId: z
    .string()
    .nullable()
    .describe("The stored recording's file id (uploads only): what a line's announcement settings take"),
  createdAt: z.string(),
  audioUrl: z.string().describe('The prompt as a WAV file (8 kHz, mono, 16-bit)'),
});
type PromptRow = typeof audioPrompts.$inferSelect;
const promptView = (p: PromptRow) => ({
  id: p.id,
  name: p.name,
  kind: p.kind,
  text: p.text,
  language: p.language,
  voice: p.voice,
  durationMs: p.durationMs,
  fileId: p.kind === 'file' ? p.fileId : null,
  createdAt: iso(p.createdAt) as string,
  audioUrl: `/api/prompts/${p.id}/audio`,
});

const promptName = z.string().trim().min(1, 'must not be empty').max(100);
const language = z
  .string()
  .trim()
  .toLowerCase()
  .max(40)
  .describe('An espeak-ng language, e.g. en, en-us, de, fr, lv (GET /api/prompts/languages)');
const voice = z
  .string()
  .trim()
  .regex(/^[a-z0-9_]{1,20}$/i, 'must be a voice variant such as f3 or m2')
  .optional();
const speech = (maxText: number) => ({
  text: z.string().trim().min(1, 'must not be empty').max(maxText, `must be at most ${maxText} characters`),
  language,
  voice,
});

/** A WAV response, never sniffed as anything else by a browser. */
const wavHeaders = { 'content-type': 'audio/wav', 'x-content-type-options': 'nosniff' };

/** Rendered TTS prompts, by text, language and voice: a few MB at most, oldest dropped first. */
class SpeechCache {
  #entries = new Map<string, Buffer>();
  #bytes = 0;
  constructor(private readonly maxBytes: number) {}
  get(key: string): Buffer | undefined {
    const v = this.#entries.get(key);
    if (v) {
      this.#entries.delete(key);
      this.#entries.set(key, v);
    }
    return v;
  }
  set(key: string, wav: Buffer): void {
    if (wav.length > this.maxBytes) return;
    this.#entries.set(key, wav);
    this.#bytes += wav.length;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.length;
    }
  }
}

/** The media layer's refusals as API errors with the right status and a plain message. */
export function audioError(err: unknown, field: string): ApiError {
  if (!isMediaError(err))
    return new ApiError(422, 'audio_corrupt', 'the file could not be decoded as audio', field);
  switch (err.code) {
    case 'AUDIO_UNSUPPORTED':
      return new ApiError(415, 'unsupported_file_type', 'the file must be a WAV or MP3 recording', field);
    case 'AUDIO_TOO_LARGE':
      return new ApiError(413, 'payload_too_large', `the file is too large: ${err.message}`, field);
    case 'AUDIO_TOO_LONG':
      return new ApiError(422, 'audio_too_long', `the recording is too long: ${err.message}`, field);
    case 'AUDIO_CORRUPT':
      return new ApiError(422, 'audio_corrupt', `the file is damaged or not audio: ${err.message}`, field);
    case 'INVALID_ARGUMENT':
      return badRequest('invalid_speech', err.message, field);
    case 'TTS_FAILED':
      return new ApiError(422, 'tts_failed', err.message, field);
    default:
      return new ApiError(422, 'audio_invalid', err.message, field);
  }
}

/** A language text-to-speech can speak, or a 400 naming the field (voicemail greetings too). */
export async function checkLanguage(lang: string, field = 'language'): Promise<void> {
  // espeak-ng picks the nearest voice itself: 'en' speaks as en-gb, 'lv-lv' as lv.
  const known = (await ttsLanguages()).map((l) => l.toLowerCase());
  const near = (k: string) => k === lang || k.startsWith(`${lang}-`) || lang.startsWith(`${k}-`);
  if (!known.some(near))
    throw badRequest(
      'unknown_language',
      `no text-to-speech voice for language "${lang}"; see GET /api/prompts/languages`,
      field,
    );
}

export const promptRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store, files: storage, config } = app.services;
  const read = { access: { resource: 'prompts' as const, access: 'read' as const } };
  const write = { access: { resource: 'prompts' as const, access: 'write' as const } };
  const cache = new SpeechCache(16 * 1024 * 1024);

  async function speak(req: { text: string; language: string; voice?: string | undefined }) {
    const key = JSON.stringify([req.language, req.voice ?? '', req.text]);
    const hit = cache.get(key);
    if (hit) return hit;
    let pcm: Int16Array;
    try {
      pcm = await synthesizeSpeech({
        text: req.text,
        language: req.language,
        ...(req.voice ? { voice: req.voice } : {}),
      });
    } catch (err) {
      throw audioError(err, 'text');
    }
    const wav = encodeWav(RATE, 1, pcm);
    cache.set(key, wav);
    return wav;
  }

  async function load(tenantId: string, id: string) {
    const [row] = await store.db
      .select()
      .from(audioPrompts)
      .where(and(eq(audioPrompts.tenantId, tenantId), eq(audioPrompts.id, id)));
    if (!row) throw notFound('prompt');
    return row;
  }

  async function ensureRoom(tenantId: string, name: string) {
    const [n] = await store.db
      .select({ n: count() })
      .from(audioPrompts)
      .where(eq(audioPrompts.tenantId, tenantId));
    if ((n?.n ?? 0) >= MAX_PROMPTS)
      throw conflict('too_many_prompts', `a company keeps at most ${MAX_PROMPTS} prompts; delete some first`);
    const [same] = await store.db
      .select({ id: audioPrompts.id })
      .from(audioPrompts)
      .where(and(eq(audioPrompts.tenantId, tenantId), eq(audioPrompts.name, name)));
    if (same) throw nameTaken(name);
  }
  const nameTaken = (name: string) =>
    conflict('prompt_name_taken', `a prompt named "${name}" already exists`, 'name');

  app.get(
    '/prompts',
    {
      config: read,
      schema: {
        tags: ['audio prompts'],
        summary: 'The audio prompt library',
        querystring: pageQuery,
        response: { 200: pageOf(promptSchema) },
      },
    },
    async (req) =>
      listPage(store.db, audioPrompts, req.query, promptView, eq(audioPrompts.tenantId, tenantIdOf(req))),
  );

  app.get(
    '/prompts/languages',
    {
      config: read,
      schema: {
        tags: ['audio prompts'],
        summary: 'Languages text-to-speech can speak',
        description:
          "espeak-ng's voices. A language prefix such as `en` or `fr` is accepted too (the nearest voice speaks), as is a region below a language (`lv-lv`).",
        response: { 200: z.object({ languages: z.array(z.string()) }) },
      },
    },
    async () => ({ languages: [...new Set((await ttsLanguages()).map((l) => l.toLowerCase()))].sort() }),
  );

  app.post(
    '/prompts',
    {
      config: write,
      schema: {
        tags: ['audio prompts'],
        summary: 'Upload a recording as a prompt (multipart form)',
        description: `multipart/form-data with a field \`name\` (unique in the company) and a file \`file\`: a WAV (PCM, IEEE float, A-law or µ-law) or an MP3, recognised by its content, of at most ${config.uploadMaxBytes} bytes and 10 minutes. It is stored as its 8 kHz mono WAV rendering. A damaged file is refused with 422, another format with 415; nothing is stored.`,
        consumes: ['multipart/form-data'],
        response: {
          201: promptSchema,
          400: errorBodySchema,
          409: errorBodySchema,
          413: errorBodySchema,
          415: errorBodySchema,
          422: errorBodySchema,
        },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) throw new ApiError(415, 'unsupported_media_type', 'send multipart/form-data');
      const tenantId = tenantIdOf(req);
      const fields: Record<string, string> = {};
      let upload: { filename: string; data: Buffer } | undefined;
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || upload) {
            part.file.resume();
            throw badRequest('unexpected_file', `send one file, as the field "file"`, part.fieldname);
          }
          upload = { filename: part.filename.slice(0, 200), data: await part.toBuffer() };
        } else if (typeof part.value === 'string') {
          fields[part.fieldname] = part.value;
        }
      }
      const parsed = z.object({ name: promptName }).safeParse(fields);
      if (!parsed.success) throw validationFailed(parsed.error);
      const { name } = parsed.data;
      if (!upload || upload.data.length === 0)
        throw badRequest('file_required', 'attach the recording as the field "file"', 'file');
      let audio: Awaited<ReturnType<typeof decodeAudioFile>>;
      try {
        audio = await decodeAudioFile(upload.data, { maxBytes: config.uploadMaxBytes });
      } catch (err) {
        throw audioError(err, 'file');
      }
      await ensureRoom(tenantId, name);
      const wav = encodeWav(RATE, 1, audio.pcm);
      const id = newId();
      const fileId = newId();
      const key = `${tenantId}/${fileId}.wav`;
      await storage.put(key, wav);
      let row: PromptRow | undefined;
      try {
        row = await store.db.transaction(async (tx) => {
          await tx.insert(files).values({
            id: fileId,
            tenantId,
            purpose: 'prompt',
            filename: `${upload.filename.replace(/\.[^.]*$/, '') || name}.wav`,
            contentType: 'audio/wav',
            size: wav.length,
            sha256: createHash('sha256').update(wav).digest('hex'),
            storageKey: key,
          });
          const [p] = await tx
            .insert(audioPrompts)
            .values({ id, tenantId, name, kind: 'file', fileId, durationMs: Math.round(audio.durationMs) })
            .returning();
          return p;
        });
      } catch (err) {
        await storage.delete(key);
        if (isUniqueViolation(err, 'audio_prompts_tenant_name')) throw nameTaken(name);
        throw err;
      }
      if (!row) throw new Error('insert returned nothing');
      await audit(store.db, req, {
        action: 'prompt.upload',
        resource: 'prompts',
        resourceId: row.id,
        details: { name, format: audio.format, durationMs: row.durationMs, bytes: upload.data.length },
      });
      return reply.status(201).send(promptView(row));
    },
  );

  app.post(
    '/prompts/tts',
    {
      config: write,
      schema: {
        tags: ['audio prompts'],
        summary: 'Add a prompt spoken by text-to-speech',
        description:
          'The text is rendered once to check it and measure it; the audio is rendered again when played.',
        body: z.object({ name: promptName, ...speech(MAX_PROMPT_TEXT) }).strict(),
        response: { 201: promptSchema, 400: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const { name, text, language: lang, voice: v } = req.body;
      await checkLanguage(lang);
      await ensureRoom(tenantId, name);
      const wav = await speak({ text, language: lang, voice: v });
      const durationMs = Math.round(((wav.length - 44) / 2 / RATE) * 1000);
      let row: PromptRow | undefined;
      try {
        [row] = await store.db
          .insert(audioPrompts)
          .values({
            id: newId(),
            tenantId,
            name,
            kind: 'tts',
            text,
            language: lang,
            voice: v ?? null,
            durationMs,
          })
          .returning();
      } catch (err) {
        if (isUniqueViolation(err, 'audio_prompts_tenant_name')) throw nameTaken(name);
        throw err;
      }
      if (!row) throw new Error('insert returned nothing');
      await audit(store.db, req, {
        action: 'prompt.create_tts',
        resource: 'prompts',
        resourceId: row.id,
        details: { name, language: lang, voice: v ?? null, characters: text.length },
      });
      return reply.status(201).send(promptView(row));
    },
  );

  app.post(
    '/prompts/preview',
    {
      config: write,
      schema: {
        tags: ['audio prompts'],
        summary: 'Hear a text-to-speech text before saving it (returns audio/wav)',
        body: z.object(speech(MAX_PREVIEW_TEXT)).strict(),
      },
    },
    async (req, reply) => {
      await checkLanguage(req.body.language);
      const wav = await speak(req.body);
      return reply.headers(wavHeaders).send(wav);
    },
  );

  app.get(
    '/prompts/:id',
    {
      config: read,
      schema: {
        tags: ['audio prompts'],
        summary: 'One prompt',
        params: idParam,
        response: { 200: promptSchema, 404: errorBodySchema },
      },
    },
    async (req) => promptView(await load(tenantIdOf(req), req.params.id)),
  );

  app.get(
    '/prompts/:id/audio',
    {
      config: read,
      schema: {
        tags: ['audio prompts'],
        summary: 'The prompt as a WAV file (8 kHz, mono, 16-bit): the stored rendering, or TTS spoken now',
        params: idParam,
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const p = await load(tenantId, req.params.id);
      let wav: Buffer;
      if (p.kind === 'tts') {
        wav = await speak({ text: p.text ?? '', language: p.language ?? '', voice: p.voice ?? undefined });
      } else {
        const [f] = p.fileId
          ? await store.db
              .select()
              .from(files)
              .where(and(eq(files.tenantId, tenantId), eq(files.id, p.fileId)))
          : [];
        if (!f) throw notFound('prompt audio');
        wav = await storage.get(f.storageKey);
      }
      const filename = `${p.name.replace(/[^\w.-]/g, '_')}.wav`;
      return reply
        .headers({ ...wavHeaders, 'content-disposition': `inline; filename="${filename}"` })
        .send(wav);
    },
  );

  /** Settings outside the flow that play the prompt: line announcements, queue music, consent. */
  async function settingsUsing(tenantId: string, p: PromptRow): Promise<string[]> {
    const uses: string[] = [];
    if (p.fileId) {
      const announcing = await store.db
        .select({ firstName: people.firstName, lastName: people.lastName, extension: people.extension })
        .from(lines)
        .innerJoin(people, eq(people.id, lines.personId))
        .where(
          and(
            eq(lines.tenantId, tenantId),
            or(
              eq(lines.internalAnnouncementFileId, p.fileId),
              eq(lines.externalAnnouncementFileId, p.fileId),
            ),
          ),
        )
        .limit(5);
      for (const l of announcing)
        uses.push(
          `the announcement of ${l.firstName} ${l.lastName}'s line${l.extension ? ` (${l.extension})` : ''}`,
        );
    }
    const music = await store.db
      .select({ name: queues.name })
      .from(queues)
      .where(and(eq(queues.tenantId, tenantId), eq(queues.musicPromptId, p.id)))
      .limit(5);
    for (const q of music) uses.push(`the music of queue "${q.name}"`);
    const [consent] = await store.db
      .select({ id: tenants.id })
      .from(tenants)
      .where(and(eq(tenants.id, tenantId), eq(tenants.recordingConsentPromptId, p.id)));
    if (consent) uses.push('the recording consent setting');
    return uses;
  }

  app.delete(
    '/prompts/:id',
    {
      config: write,
      schema: {
        tags: ['audio prompts'],
        summary: 'Delete a prompt that neither the draft nor the live version uses',
        params: idParam,
        response: { 204: z.null(), 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req);
      const p = await load(tenantId, req.params.id);
      const where: string[] = [];
      const inDraft = nodesUsingPrompt(draftJson(await workspaceRow(store.db, tenantId)), p.id);
      if (inDraft.length) where.push(`the draft (${inDraft.join(', ')})`);
      const live = await liveGraph(store.db, tenantId);
      const inLive = live ? nodesUsingPrompt(live.graph, p.id) : [];
      if (live && inLive.length) where.push(`live version ${live.version} (${inLive.join(', ')})`);
      where.push(...(await settingsUsing(tenantId, p)));
      if (where.length)
        throw conflict(
          'prompt_in_use',
          `prompt "${p.name}" is used by ${where.join(' and ')}; choose another prompt there first`,
        );
      const file = await store.db.transaction(async (tx) => {
        await tx.delete(audioPrompts).where(eq(audioPrompts.id, p.id));
        if (!p.fileId) return undefined;
        const [f] = await tx.delete(files).where(eq(files.id, p.fileId)).returning();
        return f;
      });
      // The bytes go last: a failure before leaves a prompt that still plays.
      if (file) await storage.delete(file.storageKey);
      await audit(store.db, req, {
        action: 'prompt.delete',
        resource: 'prompts',
        resourceId: p.id,
        details: { name: p.name, kind: p.kind },
      });
      return reply.status(204).send(null);
    },
  );
};
