// Every node type's config: what it accepts (with defaults) and where it points at a mistake.
import { describe, expect, it } from 'vitest';
import { type NodeType, nodeConfigSchemas, outputsOf, parseNodeConfig } from '../../src/flows/index.ts';
import { node, tts } from './fixtures.ts';

const url = 'https://crm.example.com/hook?from={{caller.number}}';
const sched = { timezone: 'Europe/Riga', weekly: [{ days: ['mon'], from: '09:00', to: '17:00' }] };

const accepts: [NodeType, unknown][] = [
  ['number', { number: '+37120000000' }],
  ['internal-number', { extension: '101' }],
  ['internal-number', { extension: '123456' }],
  ['play', { prompt: { kind: 'file', promptId: 'welcome' } }],
  ['play', { prompt: { kind: 'tts', text: 'Hello', language: 'lv-LV', voice: 'f1' }, bargeIn: true }],
  ['menu', { prompt: tts('Press'), keys: ['1', '*', '#', '0'] }],
  ['menu', { prompt: tts('Press'), invalidPrompt: tts('No'), timeoutSec: 60, retries: 0, keys: ['9'] }],
  ['schedule', sched],
  [
    'schedule',
    {
      timezone: 'UTC',
      weekly: [{ days: ['sat', 'sun'], from: '00:00', to: '24:00' }],
      holidays: [{ date: '2024-02-29', yearly: true }],
    },
  ],
  [
    'ring',
    {
      targets: [
        { kind: 'person', id: 'alice' },
        { kind: 'line', id: 'l1' },
      ],
      strategy: 'sequential',
      stepTimeoutSec: 5,
    },
  ],
  ['queue', { queueId: 'support' }],
  ['forward-phone', { number: '+4930123456' }],
  ['forward-phone', { number: '112' }],
  ['forward-sip', { uri: 'sips:alice@example.com;transport=tls', username: 'u', password: 'p' }],
  ['voicemail', { mode: 'listen', boxId: 'box1' }],
  ['record', { action: 'stop' }],
  ['http', { url, method: 'GET', headers: { 'X-Caller': '{{caller.name}}' } }],
  [
    'http',
    { url: 'http://10.0.0.1/x', body: '{"from":"{{ caller.number }}","at":"{{time}}"}', timeoutSec: 30 },
  ],
  ['lookup', { url: 'https://crm.example.com/name/{{caller.number}}' }],
  ['rewrite', { addPrefix: '+371' }],
  ['rewrite', { removePrefix: '00', addSuffix: '1' }],
  ['email', { to: ['ops@example.com'], subject: 'Missed call from {{caller.number}}' }],
  ['history', {}],
  ['hangup', {}],
  ['hangup', undefined],
];

describe('node configs accept', () => {
  it.each(accepts)('%s %j', (type, config) => {
    const r = parseNodeConfig(node('x', type, config));
    expect(r.ok ? [] : r.issues).toEqual([]);
  });

  it('fills in defaults', () => {
    const menu = parseNodeConfig(node('m', 'menu', { prompt: tts('Press'), keys: ['1'] }));
    expect(menu.ok && menu.config).toMatchObject({ timeoutSec: 5, retries: 2 });
    const ring = parseNodeConfig(node('r', 'ring', { targets: [{ kind: 'person', id: 'a' }] }));
    expect(ring.ok && ring.config).toMatchObject({
      strategy: 'simultaneous',
      timeoutSec: 30,
      stepTimeoutSec: 15,
    });
    const http = parseNodeConfig(node('h', 'http', { url }));
    expect(http.ok && http.config).toMatchObject({ method: 'POST', headers: {}, body: '', timeoutSec: 5 });
    const lookup = parseNodeConfig(node('l', 'lookup', { url }));
    expect(lookup.ok && lookup.config).toEqual({ url, timeoutSec: 3 });
    const history = parseNodeConfig(node('y', 'history', {}));
    expect(history.ok && history.config).toEqual({ withinHours: 720, timeoutSec: 30 });
    const play = parseNodeConfig(node('p', 'play', { prompt: tts('Hi') }));
    expect(play.ok && play.config).toEqual({ prompt: tts('Hi'), bargeIn: false });
  });

  it('has a schema for every node type', () => {
    expect(Object.keys(nodeConfigSchemas).sort()).toEqual(
      [
        'number',
        'internal-number',
        'play',
        'menu',
        'schedule',
        'ring',
        'queue',
        'forward-phone',
        'forward-sip',
        'voicemail',
        'record',
        'http',
        'lookup',
        'rewrite',
        'email',
        'history',
        'hangup',
      ].sort(),
    );
  });
});

// [type, config, the field the first error is at ('' for the whole config), message part]
const rejects: [NodeType, unknown, string, string?][] = [
  ['number', { number: '37120000000' }, 'number', 'E.164'],
  ['number', { number: '+12345' }, 'number'],
  ['number', {}, 'number'],
  ['internal-number', { extension: '12' }, 'extension'],
  ['internal-number', { extension: '1234567' }, 'extension'],
  ['play', { prompt: { kind: 'tts', text: '   ', language: 'en' } }, 'prompt.text', 'empty'],
  ['play', { prompt: { kind: 'tts', text: 'Hi', language: 'English' } }, 'prompt.language'],
  ['play', { prompt: { kind: 'file', promptId: 'bad id!' } }, 'prompt.promptId'],
  ['play', { prompt: { kind: 'video', promptId: 'x' } }, 'prompt.kind'],
  ['play', { prompt: tts('Hi'), loud: true }, 'loud', 'unknown field'],
  ['menu', { prompt: tts('P'), keys: [] }, 'keys', 'at least one key'],
  ['menu', { prompt: tts('P'), keys: ['1', '1'] }, 'keys', 'each key once'],
  ['menu', { prompt: tts('P'), keys: ['A'] }, 'keys.0'],
  ['menu', { prompt: tts('P'), keys: ['1'], timeoutSec: 0 }, 'timeoutSec'],
  ['menu', { prompt: tts('P'), keys: ['1'], timeoutSec: 61 }, 'timeoutSec'],
  ['menu', { prompt: tts('P'), keys: ['1'], retries: 10 }, 'retries'],
  [
    'menu',
    { prompt: tts('P'), keys: ['1'], invalidPrompt: { kind: 'tts', text: '', language: 'en' } },
    'invalidPrompt.text',
  ],
  ['schedule', { ...sched, timezone: 'Mars/Olympus' }, 'timezone', 'time zone'],
  [
    'schedule',
    { ...sched, weekly: [{ days: ['mon'], from: '17:00', to: '09:00' }] },
    'weekly.0.to',
    'before',
  ],
  ['schedule', { ...sched, weekly: [{ days: ['mon'], from: '09:00', to: '09:00' }] }, 'weekly.0.to'],
  ['schedule', { ...sched, weekly: [{ days: ['mon'], from: '9:00', to: '17:00' }] }, 'weekly.0.from'],
  ['schedule', { ...sched, weekly: [{ days: ['mon'], from: '24:00', to: '24:00' }] }, 'weekly.0.from'],
  ['schedule', { ...sched, weekly: [{ days: ['monday'], from: '09:00', to: '17:00' }] }, 'weekly.0.days.0'],
  ['schedule', { ...sched, weekly: [{ days: [], from: '09:00', to: '17:00' }] }, 'weekly.0.days'],
  ['schedule', { ...sched, holidays: [{ date: '2025-02-29' }] }, 'holidays.0.date'],
  ['schedule', { ...sched, holidays: [{ date: '25-12-24' }] }, 'holidays.0.date'],
  ['ring', { targets: [] }, 'targets', 'at least one'],
  ['ring', { targets: [{ kind: 'group', id: 'g' }] }, 'targets.0.kind'],
  ['ring', { targets: [{ kind: 'person', id: 'a' }], timeoutSec: 4 }, 'timeoutSec'],
  ['ring', { targets: [{ kind: 'person', id: 'a' }], stepTimeoutSec: 601 }, 'stepTimeoutSec'],
  ['ring', { targets: [{ kind: 'person', id: 'a' }], strategy: 'random' }, 'strategy'],
  ['ring', { targets: Array.from({ length: 51 }, (_, i) => ({ kind: 'person', id: `p${i}` })) }, 'targets'],
  ['queue', {}, 'queueId'],
  ['forward-phone', { number: '12' }, 'number'],
  ['forward-phone', { number: '+371 2000' }, 'number'],
  ['forward-sip', { uri: 'http://example.com' }, 'uri', 'sip:'],
  ['forward-sip', { uri: 'sip:a@b', password: '' }, 'password'],
  ['voicemail', { mode: 'delete', boxId: 'b' }, 'mode'],
  ['record', { action: 'pause' }, 'action'],
  ['http', { url: 'ftp://example.com/x' }, 'url', 'http://'],
  ['http', { url: 'not a url' }, 'url', 'not a valid URL'],
  ['http', { url: `https://e.com/${'a'.repeat(2000)}` }, 'url', '2000'],
  ['http', { url: 'https://e.com/?n={{caller.phone}}' }, 'url', 'unknown placeholder {{caller.phone}}'],
  ['http', { url, body: 'hi {{callee}}' }, 'body', 'unknown placeholder'],
  ['http', { url, body: 'hi {{caller.number' }, 'body', 'not closed'],
  ['http', { url, body: 'x'.repeat(10_001) }, 'body'],
  ['http', { url, headers: { 'X-A': '{{who}}' } }, 'headers.X-A', 'unknown placeholder'],
  ['http', { url, headers: { 'Bad Header': 'x' } }, 'headers.Bad Header'],
  [
    'http',
    { url, headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-${i}`, 'v'])) },
    'headers',
    '20',
  ],
  ['http', { url, headers: { 'X-A': 'a\r\nInjected: 1' } }, 'headers', 'one line'],
  ['http', { url, method: 'PUT' }, 'method'],
  ['http', { url, timeoutSec: 31 }, 'timeoutSec'],
  ['lookup', { url: 'https://e.com/{{nope}}' }, 'url', 'unknown placeholder'],
  ['lookup', { url, timeoutSec: 0 }, 'timeoutSec'],
  ['rewrite', {}, '', 'prefix or suffix'],
  ['rewrite', { addPrefix: 'abc' }, 'addPrefix'],
  ['rewrite', { addSuffix: '1234567890123456' }, 'addSuffix'],
  ['email', { to: [], subject: 's' }, 'to'],
  ['email', { to: ['not-an-email'], subject: 's' }, 'to.0', 'email'],
  ['email', { to: Array.from({ length: 11 }, (_, i) => `a${i}@e.com`), subject: 's' }, 'to'],
  ['email', { to: ['a@e.com'], subject: 's'.repeat(201) }, 'subject'],
  ['email', { to: ['a@e.com'], subject: 'From {{caller}}' }, 'subject', 'unknown placeholder'],
  ['history', { withinHours: 0 }, 'withinHours'],
  ['history', { withinHours: 8761 }, 'withinHours'],
  ['hangup', { now: true }, 'now', 'unknown field'],
];

describe('node configs reject', () => {
  it.each(rejects)('%s %j at %s', (type, config, field, message) => {
    const r = parseNodeConfig(node('x', type, config));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const at = r.issues.find((i) => (i.field ?? '') === field);
    expect(at, JSON.stringify(r.issues)).toBeDefined();
    expect(at).toMatchObject({ severity: 'error', code: 'invalid-config', nodeId: 'x' });
    if (message) expect(at?.message).toContain(message);
  });
});

describe('outputs', () => {
  it.each([
    ['number', {}, ['next']],
    ['schedule', {}, ['open', 'closed']],
    ['ring', {}, ['answered', 'no-answer', 'busy']],
    ['queue', {}, ['answered', 'timeout', 'overflow', 'callback']],
    ['forward-sip', {}, ['answered', 'failed']],
    ['http', {}, ['1', '2', '3', '4', '5', 'error']],
    ['lookup', {}, ['found', 'not-found']],
    ['history', {}, ['answered', 'no-answer', 'not-found']],
    ['hangup', {}, []],
    ['menu', { keys: ['2', '#', 'x', '2'] }, ['2', '#', 'timeout', 'invalid', 'default']],
    ['menu', null, ['timeout', 'invalid', 'default']],
  ] as [NodeType, unknown, string[]][])('%s %j', (type, config, outputs) => {
    expect(outputsOf(node('x', type, config))).toEqual(outputs);
  });
});
