// What the flow editor knows about the company: numbers, people and their lines, prompts,
// queues and voicemail boxes. Names for pickers and summaries, and the references local
// validation checks against (the same FlowReferences the server builds).

import type { FlowReferences } from '@switchboard/flows';
import { allPages, call, type Response } from '../api/client.ts';
import { fullName } from '../lib/format.ts';

export type CompanyPrompt = Response<'GET /api/prompts'>['items'][number];
export type Queue = Response<'GET /api/queues'>['items'][number];
export type VoicemailBox = Response<'GET /api/voicemail/boxes'>['items'][number];

export interface FlowData {
  numbers: string[];
  people: { id: string; name: string; extension: string | null }[];
  lines: { id: string; personId: string; name: string }[];
  prompts: CompanyPrompt[];
  queues: Queue[];
  boxes: VoicemailBox[];
  timeZone: string;
  refs: FlowReferences;
  /** 'person:<id>' / 'line:<id>' → a display name (as the server names ring targets). */
  targetNames: Map<string, string>;
}

const pages = <T>(load: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>) =>
  allPages(load).catch(() => [] as T[]);

/** `full`: the user may read numbers and lines (not agents, who only read the flows). */
export async function loadFlowData(signal: AbortSignal, full: boolean): Promise<FlowData> {
  const none = Promise.resolve([]);
  const [numbers, people, lines, prompts, queues, boxes, tenant] = await Promise.all([
    full ? pages((cursor) => call('GET /api/numbers', { query: { limit: 200, cursor }, signal })) : none,
    pages((cursor) => call('GET /api/people', { query: { limit: 200, cursor }, signal })),
    full ? pages((cursor) => call('GET /api/lines', { query: { limit: 200, cursor }, signal })) : none,
    pages((cursor) => call('GET /api/prompts', { query: { limit: 200, cursor }, signal })),
    pages((cursor) => call('GET /api/queues', { query: { limit: 200, cursor }, signal })),
    pages((cursor) => call('GET /api/voicemail/boxes', { query: { limit: 200, cursor }, signal })),
    call('GET /api/tenant', { signal }).catch(() => undefined),
  ]);
  const personName = new Map(people.map((p) => [p.id, fullName(p)]));
  const extensionOf = new Map(people.map((p) => [p.id, p.extension]));
  const targetNames = new Map<string, string>();
  for (const p of people) targetNames.set(`person:${p.id}`, fullName(p));
  for (const l of lines)
    targetNames.set(`line:${l.id}`, `${personName.get(l.personId) ?? l.sipUsername}'s line`);
  const lineExtensions = new Map<string, string>();
  for (const l of lines) {
    const ext = extensionOf.get(l.personId);
    if (ext) lineExtensions.set(ext, l.id);
  }
  return {
    numbers: numbers.map((n) => n.e164),
    people: people.map((p) => ({ id: p.id, name: fullName(p), extension: p.extension })),
    lines: lines.map((l) => ({
      id: l.id,
      personId: l.personId,
      name: targetNames.get(`line:${l.id}`) ?? l.sipUsername,
    })),
    prompts,
    queues,
    boxes,
    timeZone: tenant?.timeZone ?? 'UTC',
    targetNames,
    refs: {
      numbers: new Set(numbers.map((n) => n.e164)),
      lineExtensions,
      people: new Set(people.map((p) => p.id)),
      lines: new Set(lines.map((l) => l.id)),
      prompts: new Set(prompts.map((p) => p.id)),
      queues: new Set(queues.map((q) => q.id)),
      voicemailBoxes: new Set(boxes.map((b) => b.id)),
    },
  };
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/** A trace or path sentence with the ids of people, lines, boxes, prompts and queues named. */
export function withNames(text: string, data: FlowData | undefined): string {
  if (!data) return text;
  return text.replace(UUID, (id) => {
    const named =
      data.targetNames.get(`person:${id}`) ??
      data.targetNames.get(`line:${id}`) ??
      data.prompts.find((p) => p.id === id)?.name ??
      data.queues.find((q) => q.id === id)?.name;
    if (named) return `“${named}”`;
    const box = data.boxes.find((b) => b.id === id);
    return box ? `“${boxLabel(box, data)}”` : id;
  });
}

/** The name of a voicemail box with its owner, for pickers. */
export function boxLabel(b: VoicemailBox, data: FlowData): string {
  if (b.owner.kind === 'person') {
    const owner = b.owner.personId;
    return `${data.people.find((p) => p.id === owner)?.name ?? b.name} (person)`;
  }
  const queue = b.owner.queueId;
  return `${data.queues.find((q) => q.id === queue)?.name ?? b.name} (queue)`;
}
