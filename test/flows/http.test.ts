// HTTP notification branches, caller-name lookup and email, with their templates.
import { describe, expect, it } from 'vitest';
import {
  type HttpReply,
  httpBranch,
  lookupName,
  renderTemplate,
  templateProblem,
} from '../../src/flows/index.ts';
import { cables, chain, NUMBER, node, sim, tts, workspace } from './fixtures.ts';

const HTTP_OUTPUTS = ['1', '2', '3', '4', '5', 'error'];

function httpFlow(config: Record<string, unknown>) {
  const nodes = [
    node('in', 'number', { number: NUMBER }),
    node('hook', 'http', { url: 'https://crm.example.com/hook', ...config }, 'CRM hook'),
    ...HTTP_OUTPUTS.map((o) => node(`b${o}`, 'hangup')),
  ];
  return workspace(nodes, cables('in:next>hook', ...HTTP_OUTPUTS.map((o) => `hook:${o}>b${o}`)));
}

describe('http branch', () => {
  it.each([
    [{ status: 200, body: '3' }, '3'],
    [{ status: 201, body: ' 5\r\n' }, '5'],
    [{ status: 299, body: '1' }, '1'],
    [{ status: 200, body: '7' }, 'error'],
    [{ status: 200, body: '0' }, 'error'],
    [{ status: 200, body: '12' }, 'error'],
    [{ status: 200, body: '1.0' }, 'error'],
    [{ status: 200, body: '' }, 'error'],
    [{ status: 204, body: '' }, 'error'],
    [{ status: 500, body: '1' }, 'error'],
    [{ status: 302, body: '2' }, 'error'],
    [{ error: 'timeout after 5000 ms' }, 'error'],
    [{ status: 200, body: `1${' '.repeat(70_000)}` }, 'error'],
  ] as [HttpReply, string][])('%j -> %s', async (reply, output) => {
    expect(httpBranch(reply).output).toBe(output);
    const r = await sim(httpFlow({}), { httpReplies: { hook: [reply] } });
    expect(r.steps[1]!.output).toBe(output);
    expect(r.end.nodeId).toBe(`b${output}`);
  });

  it('says why a reply took the error branch', () => {
    expect(httpBranch({ status: 200, body: 'x'.repeat(70_000) }).detail).toBe('reply too large');
    expect(httpBranch({ status: 200, body: '7' }).detail).toBe('HTTP 200, reply "7" is not 1-5');
    expect(httpBranch({ error: 'timeout' }).detail).toBe('no reply: timeout');
  });

  it('takes the error branch when the scenario gives no reply', async () => {
    const r = await sim(httpFlow({}));
    expect(r.steps[1]).toMatchObject({
      output: 'error',
      detail: 'POST https://crm.example.com/hook: no reply: no reply given',
    });
  });

  it('fills templates: URL values encoded, body and headers as text, no body on GET', async () => {
    const ws = httpFlow({
      url: 'https://crm.example.com/call?from={{caller.number}}&name={{ caller.name }}&to={{called}}',
      headers: { 'X-Node': '{{node.name}}', 'X-Name': '{{caller.name}}' },
      body: '{"from":"{{caller.number}}","at":"{{time}}","who":"{{caller.name}}"}',
      timeoutSec: 9,
    });
    const r = await sim(ws, {
      caller: { number: '+37129000000', name: 'Anna & Co\r\nX-Evil: 1' },
      httpReplies: { hook: [{ status: 200, body: '2' }] },
    });
    const call = r.effects.find((e) => e.kind === 'http');
    expect(call?.kind === 'http' && call.request).toEqual({
      method: 'POST',
      url: `https://crm.example.com/call?from=%2B37129000000&name=Anna%20%26%20Co%0D%0AX-Evil%3A%201&to=${encodeURIComponent(NUMBER)}`,
      headers: { 'X-Node': 'CRM hook', 'X-Name': 'Anna & Co X-Evil: 1' },
      body: '{"from":"+37129000000","at":"2025-03-28T07:30:00.000Z","who":"Anna & Co\r\nX-Evil: 1"}',
      timeoutMs: 9000,
      nodeId: 'hook',
    });
    const get = await sim(httpFlow({ method: 'GET', body: 'ignored' }));
    const req = get.effects.find((e) => e.kind === 'http');
    expect(req?.kind === 'http' && req.request.body).toBeUndefined();
  });

  it('consumes a node’s replies in order, one per visit', async () => {
    const ws = workspace(
      [
        node('in', 'number', { number: NUMBER }),
        node('menu', 'menu', { prompt: tts('Press 1'), keys: ['1'], retries: 0 }),
        node('hook', 'http', { url: 'https://e.com/' }),
        node('bye', 'hangup'),
      ],
      cables(
        'in:next>menu',
        'menu:1>hook',
        'menu:default>bye',
        'hook:1>menu',
        'hook:2>menu',
        'hook:error>menu',
      ),
    );
    const r = await sim(ws, {
      digits: ['1', '1', '1'],
      httpReplies: {
        hook: [
          { status: 200, body: '2' },
          { status: 200, body: '1' },
        ],
      },
    });
    expect(r.steps.filter((s) => s.nodeId === 'hook').map((s) => s.output)).toEqual(['2', '1', 'error']);
    expect(r.end.nodeId).toBe('bye');
  });
});

describe('templates', () => {
  const values = { 'caller.number': '+1', 'caller.name': 'A', called: '101', 'node.name': 'N', time: 'T' };
  it('renders every known placeholder and leaves other text alone', () => {
    expect(
      renderTemplate('{{caller.number}}/{{caller.name}}/{{called}}/{{node.name}}/{{time}} {x}', values),
    ).toBe('+1/A/101/N/T {x}');
  });
  it('names the unknown placeholder', () => {
    expect(templateProblem('hi {{caller.numbr}}')).toMatch(
      /^unknown placeholder \{\{caller.numbr\}\}; use \{\{caller.number\}\}/,
    );
    expect(templateProblem('{{}}')).toMatch(/unknown placeholder/);
    expect(templateProblem('fine {{ time }}')).toBeUndefined();
  });
});

describe('lookup', () => {
  const flow = () =>
    workspace(
      [
        node('in', 'number', { number: NUMBER }),
        node('who', 'lookup', { url: 'https://crm.example.com/name?n={{caller.number}}', timeoutSec: 2 }),
        node('r', 'ring', { targets: [{ kind: 'person', id: 'alice' }] }),
        node('anon', 'hangup'),
      ],
      cables('in:next>who', 'who:found>r', 'who:not-found>anon'),
    );

  it.each([
    [{ status: 200, body: '  Anna Bērziņa \n' }, 'Anna Bērziņa'],
    [{ status: 200, body: '{"name": "SIA Piens", "id": 4}' }, 'SIA Piens'],
    [{ status: 203, body: 'x'.repeat(100) }, 'x'.repeat(100)],
  ] as [HttpReply, string][])('%j sets the caller name and the ring shows it', async (reply, name) => {
    const r = await sim(flow(), { httpReplies: { who: [reply] } });
    expect(r.steps[1]!.output).toBe('found');
    expect(r.caller.name).toBe(name);
    expect(r.effects.find((e) => e.kind === 'ring')).toMatchObject({
      caller: { number: '+37129000000', name },
    });
    expect(r.effects[0]).toMatchObject({
      kind: 'http',
      request: { method: 'GET', url: 'https://crm.example.com/name?n=%2B37129000000', timeoutMs: 2000 },
    });
  });

  it.each([
    [{ status: 404, body: 'Anna' }],
    [{ status: 200, body: '' }],
    [{ status: 200, body: 'x'.repeat(101) }],
    [{ status: 200, body: 'Anna\nEvil' }],
    [{ status: 200, body: '{"name": 5}' }],
    [{ status: 200, body: '{"name": ' }],
    [{ status: 200, body: '{"nom": "Anna"}' }],
    [{ error: 'connect ECONNREFUSED' }],
  ] as [HttpReply][])('%j is not-found', async (reply) => {
    expect(lookupName(reply).name).toBeUndefined();
    const r = await sim(flow(), {
      caller: { number: '+37129000000', name: 'Kept' },
      httpReplies: { who: [reply] },
    });
    expect(r.steps[1]!.output).toBe('not-found');
    expect(r.caller.name).toBe('Kept');
  });
});

describe('email', () => {
  it('sends the rendered subject on one line and the body as written', async () => {
    const ws = chain(
      node(
        'mail',
        'email',
        {
          to: ['ops@example.com', 'boss@example.com'],
          subject: 'Missed call from {{caller.name}} {{caller.number}}',
          body: 'Called {{called}} at {{time}}.\nNode: {{node.name}}',
        },
        'Missed call mail',
      ),
      node('bye', 'hangup'),
    );
    const r = await sim(ws, { caller: { number: '+37129000000', name: 'Anna\nB' } });
    expect(r.effects[0]).toEqual({
      kind: 'email',
      nodeId: 'mail',
      message: {
        to: ['ops@example.com', 'boss@example.com'],
        subject: 'Missed call from Anna B +37129000000',
        text: `Called ${NUMBER} at 2025-03-28T07:30:00.000Z.\nNode: Missed call mail`,
        nodeId: 'mail',
      },
    });
  });
});
