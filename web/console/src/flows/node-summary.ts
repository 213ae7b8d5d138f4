// One line under a node's name saying what it does with its current config.
import type { FlowNode } from '@switchboard/flows';
import { boxLabel, type FlowData } from './flow-data.ts';

type Cfg = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function promptSummary(p: unknown, data: FlowData | undefined): string {
  const prompt = p as { kind?: string; promptId?: string; text?: string } | undefined;
  if (!prompt) return 'no prompt';
  if (prompt.kind === 'file')
    return `♪ ${data?.prompts.find((x) => x.id === prompt.promptId)?.name ?? 'missing prompt'}`;
  const text = str(prompt.text);
  return text ? `“${text.length > 40 ? `${text.slice(0, 40)}…` : text}”` : 'no text';
}

export function nodeSummary(node: FlowNode, data: FlowData | undefined): string {
  const c = (node.config ?? {}) as Cfg;
  switch (node.type) {
    case 'number':
      return str(c.number) || 'choose a number';
    case 'internal-number':
      return str(c.extension) ? `ext. ${str(c.extension)}` : 'choose an extension';
    case 'play':
      return promptSummary(c.prompt, data);
    case 'menu':
      return `keys ${(Array.isArray(c.keys) ? c.keys : []).join(' ')} · ${promptSummary(c.prompt, data)}`;
    case 'schedule': {
      const weekly = (Array.isArray(c.weekly) ? c.weekly : []) as {
        days?: string[];
        from?: string;
        to?: string;
      }[];
      const first = weekly[0];
      return first
        ? `${(first.days ?? []).join(',')} ${first.from}–${first.to}${weekly.length > 1 ? ' …' : ''}`
        : 'always closed';
    }
    case 'ring': {
      const targets = (Array.isArray(c.targets) ? c.targets : []) as { kind: string; id: string }[];
      if (!targets.length) return 'nobody yet';
      return targets.map((t) => data?.targetNames.get(`${t.kind}:${t.id}`) ?? t.kind).join(', ');
    }
    case 'queue':
      return data?.queues.find((q) => q.id === c.queueId)?.name ?? 'choose a queue';
    case 'voicemail': {
      const box = data?.boxes.find((b) => b.id === c.boxId);
      return `${c.mode === 'listen' ? 'listen to' : 'leave in'} ${box && data ? boxLabel(box, data) : 'a box'}`;
    }
    case 'forward-phone':
      return str(c.number) || 'choose a number';
    case 'forward-sip':
      return str(c.uri) || 'choose an address';
    case 'record':
      return c.action === 'stop' ? 'stop recording' : 'start recording';
    case 'http':
      return `${str(c.method) || 'POST'} ${str(c.url)}`;
    case 'lookup':
      return str(c.url);
    case 'rewrite':
      return Object.entries(c)
        .filter(([, v]) => v)
        .map(([k, v]) => `${k.replace(/([A-Z])/g, ' $1').toLowerCase()} ${v}`)
        .join(', ');
    case 'email':
      return Array.isArray(c.to) && c.to.length ? `to ${c.to.join(', ')}` : 'no recipient yet';
    case 'history':
      return `within ${Number(c.withinHours ?? 720)} h`;
    default:
      return '';
  }
}
