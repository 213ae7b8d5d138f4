// Every node type the palette offers: its name in the console, what it does, its colour
// group, and the config a new one starts with (valid where it can be, so a fresh node
// shows only what is left to choose).
import type { NodeType } from '@switchboard/flows';
import type { FlowData } from './flow-data.ts';

export type Group = 'entry' | 'audio' | 'route' | 'connect' | 'data' | 'end';

export interface NodeKind {
  type: NodeType;
  label: string;
  description: string;
  group: Group;
  initial: (data: FlowData | undefined) => Record<string, unknown>;
}

const tts = (text: string) => ({ kind: 'tts', text, language: 'en' });

export const NODE_KINDS: NodeKind[] = [
  {
    type: 'number',
    label: 'Phone number',
    description: 'Entry: calls to one of your numbers start here.',
    group: 'entry',
    initial: (d) => ({ number: d?.numbers[0] ?? '' }),
  },
  {
    type: 'internal-number',
    label: 'Internal number',
    description: 'Entry: an extension colleagues dial.',
    group: 'entry',
    initial: () => ({ extension: '' }),
  },
  {
    type: 'play',
    label: 'Greeting',
    description: 'Play an audio prompt or spoken text.',
    group: 'audio',
    initial: () => ({ prompt: tts('Welcome.'), bargeIn: false }),
  },
  {
    type: 'menu',
    label: 'IVR menu',
    description: 'Ask the caller to press a key; one output per key.',
    group: 'audio',
    initial: () => ({
      prompt: tts('For sales press 1. For support press 2.'),
      keys: ['1', '2'],
      timeoutSec: 5,
      retries: 2,
    }),
  },
  {
    type: 'schedule',
    label: 'Time schedule',
    description: 'Open or closed by business hours, holidays and time zone.',
    group: 'route',
    initial: (d) => ({
      timezone: d?.timeZone ?? 'UTC',
      weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
      holidays: [],
    }),
  },
  {
    type: 'ring',
    label: 'Ring people',
    description: 'Ring people or lines, all at once or in order.',
    group: 'connect',
    initial: () => ({ targets: [], strategy: 'simultaneous', timeoutSec: 30, stepTimeoutSec: 15 }),
  },
  {
    type: 'queue',
    label: 'Call queue',
    description: 'Hold the caller in a queue until an agent answers.',
    group: 'connect',
    initial: (d) => ({ queueId: d?.queues[0]?.id ?? '', tags: [] }),
  },
  {
    type: 'voicemail',
    label: 'Voicemail',
    description: 'Leave a message in a box, or listen to a box with its PIN.',
    group: 'connect',
    initial: (d) => ({ mode: 'leave', boxId: d?.boxes[0]?.id ?? '' }),
  },
  {
    type: 'forward-phone',
    label: 'PSTN forwarding',
    description: 'Forward to an external phone number.',
    group: 'connect',
    initial: () => ({ number: '', timeoutSec: 60 }),
  },
  {
    type: 'forward-sip',
    label: 'SIP forwarding',
    description: 'Forward to a SIP address.',
    group: 'connect',
    initial: () => ({ uri: 'sip:', timeoutSec: 60 }),
  },
  {
    type: 'record',
    label: 'Recording',
    description: 'Start or stop recording this branch.',
    group: 'audio',
    initial: () => ({ action: 'start' }),
  },
  {
    type: 'history',
    label: 'Last agent',
    description: 'Ring the person this caller last spoke to.',
    group: 'route',
    initial: () => ({ withinHours: 720, timeoutSec: 30 }),
  },
  {
    type: 'http',
    label: 'HTTP request',
    description: 'Notify a web service; a reply of 1-5 picks the branch.',
    group: 'data',
    initial: () => ({ method: 'POST', url: 'https://', headers: {}, body: '', timeoutSec: 5 }),
  },
  {
    type: 'lookup',
    label: 'Caller lookup',
    description: 'Find the caller’s name over HTTP by their number.',
    group: 'data',
    initial: () => ({ url: 'https://', timeoutSec: 3 }),
  },
  {
    type: 'rewrite',
    label: 'Rewrite number',
    description: 'Add or change a prefix or suffix of the caller’s number.',
    group: 'data',
    initial: () => ({ addPrefix: '+' }),
  },
  {
    type: 'email',
    label: 'Email',
    description: 'Send an email, e.g. about a missed call.',
    group: 'data',
    initial: () => ({ to: [], subject: 'Call from {{caller.number}}', body: '' }),
  },
  {
    type: 'hangup',
    label: 'Hang up',
    description: 'End the call.',
    group: 'end',
    initial: () => ({}),
  },
];

export const KIND: Record<NodeType, NodeKind> = Object.fromEntries(
  NODE_KINDS.map((k) => [k.type, k]),
) as Record<NodeType, NodeKind>;

export const OUTPUT_LABELS: Record<string, string> = {
  next: 'next',
  open: 'open',
  closed: 'closed',
  answered: 'answered',
  'no-answer': 'no answer',
  busy: 'busy',
  timeout: 'timeout',
  overflow: 'overflow',
  callback: 'callback',
  failed: 'failed',
  invalid: 'invalid',
  default: 'default',
  error: 'error',
  found: 'found',
  'not-found': 'not found',
};

export const outputLabel = (output: string, type: NodeType) =>
  type === 'menu' && output.length === 1
    ? `key ${output}`
    : type === 'http' && /^\d$/.test(output)
      ? `reply ${output}`
      : (OUTPUT_LABELS[output] ?? output);
