// How the http and lookup nodes read a reply. A reply is trusted for nothing but a branch
// number or a short display name; anything else takes the error or not-found branch.
import type { HttpReply } from './effects.ts';

/** Bodies above this are refused even if the runtime let them through. */
export const MAX_REPLY_CHARS = 64 * 1024;

export type HttpBranch = '1' | '2' | '3' | '4' | '5' | 'error';

/** The http node's branch for a reply, with a line for the trace. */
export function httpBranch(reply: HttpReply): { output: HttpBranch; detail: string } {
  if ('error' in reply) return { output: 'error', detail: `no reply: ${reply.error}` };
  if (reply.status < 200 || reply.status > 299) return { output: 'error', detail: `HTTP ${reply.status}` };
  if (reply.body.length > MAX_REPLY_CHARS) return { output: 'error', detail: 'reply too large' };
  const body = reply.body.trim();
  if (/^[1-5]$/.test(body))
    return { output: body as HttpBranch, detail: `HTTP ${reply.status}, replied ${body}` };
  return { output: 'error', detail: `HTTP ${reply.status}, reply ${quote(body)} is not 1-5` };
}

const DISPLAY_NAME = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]{1,100}$/u;

const TAG = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * The caller name a lookup reply gives: plain text or JSON {"name": "...", "tags": [...]};
 * 1-100 printable characters. Tags (for skills-based queues) that are not short words are
 * left out, at most 10.
 */
export function lookupName(reply: HttpReply): { name?: string; tags: string[]; detail: string } {
  const r = lookupReply(reply);
  return { ...r, tags: r.tags ?? [] };
}

function lookupReply(reply: HttpReply): { name?: string; tags?: string[]; detail: string } {
  if ('error' in reply) return { detail: `no reply: ${reply.error}` };
  if (reply.status < 200 || reply.status > 299) return { detail: `HTTP ${reply.status}` };
  if (reply.body.length > MAX_REPLY_CHARS) return { detail: 'reply too large' };
  let text = reply.body.trim();
  let tags: string[] = [];
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { detail: 'reply is not valid JSON' };
    }
    const { name, tags: rawTags } = json as { name?: unknown; tags?: unknown };
    if (typeof name !== 'string') return { detail: 'JSON reply has no "name" string' };
    text = name.trim();
    if (Array.isArray(rawTags)) {
      tags = rawTags.filter((t): t is string => typeof t === 'string' && TAG.test(t)).slice(0, 10);
    }
  }
  if (!DISPLAY_NAME.test(text))
    return { detail: `reply ${quote(text)} is not a name of 1-100 printable characters` };
  const tagged = tags.length > 0 ? `, tags ${tags.join(', ')}` : '';
  return { name: text, tags, detail: `name ${quote(text)}${tagged}` };
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}
