// The config of each node type as a zod schema: what the editor may save, with defaults the
// interpreter relies on. References to other objects (people, prompts, queues) are checked
// against the tenant's data by validate.ts, not here.
import { z } from 'zod';
import type { FlowIssue, FlowNode, NodeType } from './model.ts';
import { idSchema } from './model.ts';
import { templateProblem, urlTemplateProblem } from './templates.ts';

export const E164_PATTERN = /^\+\d{6,15}$/;
export const EXTENSION_PATTERN = /^\d{3,6}$/;
/** A caller tag or agent skill name: letters, digits, '-' and '_'. */
export const tagSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, { error: "a tag of 1 to 32 letters, digits, '-' or '_'" });
export const MENU_KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const e164 = z.string().regex(E164_PATTERN, { error: 'an E.164 number: + and 6 to 15 digits' });
const extension = z.string().regex(EXTENSION_PATTERN, { error: 'an extension of 3 to 6 digits' });
const seconds = (min: number, max: number, def: number) =>
  z
    .number()
    .int()
    .min(min, { error: `at least ${min} seconds` })
    .max(max, { error: `at most ${max} seconds` })
    .default(def);

const template = (max: number) =>
  z
    .string()
    .max(max, { error: `at most ${max} characters` })
    .superRefine((text, ctx) => {
      const problem = templateProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

const urlTemplate = z
  .string()
  .max(2000, { error: 'at most 2000 characters' })
  .superRefine((text, ctx) => {
    const problem = urlTemplateProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const promptRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('file'), promptId: idSchema }),
  z.strictObject({
    kind: z.literal('tts'),
    text: z.string().trim().min(1, { error: 'the text to speak is empty' }).max(2000),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { error: "a language tag such as 'en' or 'lv-LV'" }),
    voice: z.string().min(1).max(64).optional(),
  }),
]);

export const ringTargetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('person'), id: idSchema }),
  z.strictObject({ kind: z.literal('line'), id: idSchema }),
]);

const unique = <T>(items: readonly T[]) => new Set(items).size === items.length;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A real calendar date 'YYYY-MM-DD' (no 2023-02-30). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "a time 'HH:MM' from 00:00 to 23:59" });
const hhmmEnd = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { error: "a time 'HH:MM' up to 24:00" });

export const holidaySchema = z.strictObject({
  date: z.string().refine(isCalendarDate, { error: "a date 'YYYY-MM-DD'" }),
  name: z.string().max(100).optional(),
  yearly: z.boolean().default(false),
});

export const scheduleConfigSchema = z.strictObject({
  timezone: z.string().max(64).refine(isTimeZone, { error: 'not a known IANA time zone' }),
  weekly: z
    .array(
      z
        .strictObject({
          days: z.array(z.enum(WEEKDAYS)).min(1).max(7).refine(unique, { error: 'each day once' }),
          from: hhmm,
          to: hhmmEnd,
        })
        .refine((w) => w.from < w.to, { error: "'from' must be before 'to'", path: ['to'] }),
    )
    .max(100)
    .default([]),
  holidays: z.array(holidaySchema).max(1000).default([]),
});

const digitsPart = z.string().regex(/^[0-9+]{1,15}$/, { error: 'digits or + only, at most 15' });

export const nodeConfigSchemas = {
  number: z.strictObject({ number: e164 }),
  'internal-number': z.strictObject({ extension }),
  play: z.strictObject({ prompt: promptRefSchema, bargeIn: z.boolean().default(false) }),
  menu: z.strictObject({
    prompt: promptRefSchema,
    invalidPrompt: promptRefSchema.optional(),
    timeoutSec: seconds(1, 60, 5),
    retries: z.number().int().min(0).max(9).default(2),
    keys: z
      .array(z.enum(MENU_KEYS, { error: 'keys are 0-9, * and #' }))
      .min(1, { error: 'a menu needs at least one key' })
      .refine(unique, { error: 'each key once' }),
  }),
  schedule: scheduleConfigSchema,
  ring: z.strictObject({
    targets: z.array(ringTargetSchema).min(1, { error: 'ring at least one person or line' }).max(50),
    strategy: z.enum(['simultaneous', 'sequential']).default('simultaneous'),
    timeoutSec: seconds(5, 600, 30),
    stepTimeoutSec: seconds(5, 600, 15),
  }),
  queue: z.strictObject({
    queueId: idSchema,
    /** Tags put on the caller here, for skills-based queues. */
    tags: z.array(tagSchema).max(10).default([]),
  }),
  'forward-phone': z.strictObject({
    number: z.string().regex(/^(\+\d{6,15}|\d{3,15})$/, { error: 'an E.164 number or 3 to 15 digits' }),
    timeoutSec: seconds(5, 600, 60),
  }),
  'forward-sip': z.strictObject({
    uri: z
      .string()
      .max(256)
      .regex(/^sips?:[^\s<>"]+$/i, { error: 'a sip: or sips: URI' }),
    username: z.string().min(1).max(128).optional(),
    password: z.string().min(1).max(128).optional(),
    timeoutSec: seconds(5, 600, 60),
  }),
  voicemail: z.strictObject({ mode: z.enum(['leave', 'listen']), boxId: idSchema }),
  record: z.strictObject({ action: z.enum(['start', 'stop']) }),
  http: z.strictObject({
    method: z.enum(['GET', 'POST']).default('POST'),
    url: urlTemplate,
    headers: z
      .record(
        z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, { error: 'not a header name' }),
        template(1000),
      )
      .refine((h) => Object.keys(h).length <= 20, { error: 'at most 20 headers' })
      .refine((h) => Object.values(h).every((v) => !/[\r\n]/.test(v)), {
        error: 'header values are one line',
      })
      .default({}),
    body: template(10_000).default(''),
    timeoutSec: seconds(1, 30, 5),
  }),
  lookup: z.strictObject({ url: urlTemplate, timeoutSec: seconds(1, 30, 3) }),
  rewrite: z
    .strictObject({
      removePrefix: digitsPart.optional(),
      addPrefix: digitsPart.optional(),
      removeSuffix: digitsPart.optional(),
      addSuffix: digitsPart.optional(),
    })
    .refine((r) => Object.values(r).some((v) => v !== undefined), {
      error: 'set a prefix or suffix to change',
    }),
  email: z.strictObject({
    to: z
      .array(z.email({ error: 'not an email address' }))
      .min(1)
      .max(10),
    subject: template(200),
    body: template(10_000).default(''),
  }),
  history: z.strictObject({
    withinHours: z.number().int().min(1).max(8760).default(720),
    timeoutSec: seconds(5, 600, 30),
  }),
  hangup: z.strictObject({}).default({}),
} as const;

export type NodeConfigs = { [T in NodeType]: z.output<(typeof nodeConfigSchemas)[T]> };
export type ScheduleConfig = NodeConfigs['schedule'];
export type Holiday = z.output<typeof holidaySchema>;
export type MenuConfig = NodeConfigs['menu'];
export type RingConfig = NodeConfigs['ring'];
export type HttpConfig = NodeConfigs['http'];

function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0]) path.push(issue.keys[0]);
  return path.join('.');
}

/** A node's config checked against its type's schema, with defaults filled in. */
export function parseNodeConfig<T extends NodeType>(
  node: FlowNode & { type: T },
): { ok: true; config: NodeConfigs[T] } | { ok: false; issues: FlowIssue[] } {
  const schema = nodeConfigSchemas[node.type] as unknown as z.ZodType<NodeConfigs[T]> | undefined;
  if (!schema) {
    const issue: FlowIssue = {
      severity: 'error',
      code: 'unknown-type',
      message: `unknown node type '${node.type}'`,
    };
    return { ok: false, issues: [{ ...issue, nodeId: node.id }] };
  }
  const r = schema.safeParse(node.config);
  if (r.success) return { ok: true, config: r.data };
  return {
    ok: false,
    issues: r.error.issues.map((issue) => {
      const field = fieldOf(issue);
      const message = issue.code === 'unrecognized_keys' ? `unknown field '${field}'` : issue.message;
      const out: FlowIssue = { severity: 'error', code: 'invalid-config', message, nodeId: node.id };
      if (field) out.field = field;
      return out;
    }),
  };
}
