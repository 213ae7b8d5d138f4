// A simulation scenario as a form: where the call enters, who calls and when, the keys the
// caller presses, what each HTTP service replies, who answers and how queues end. Only the
// questions this flow asks are shown.
import { ENTRY_TYPES, type Scenario, type Workspace } from '@switchboard/flows';
import { SelectField, TextAreaField, TextField } from '../ui/forms.tsx';
import type { FlowData } from './flow-data.ts';

export interface ScenarioDraft {
  entry: string;
  callerNumber: string;
  callerName: string;
  at: string;
  digits: string;
  /** Per http/lookup node: one reply per line, "200 body" or "error message". */
  replies: Record<string, string>;
  answers: Record<string, string>;
  queues: Record<string, string>;
  lastAgent: string;
}

export function newScenario(ws: Workspace, at: string): ScenarioDraft {
  const entry = ws.nodes.find((n) => ENTRY_TYPES.has(n.type));
  return {
    entry: entry?.id ?? '',
    callerNumber: '+15550100',
    callerName: '',
    at,
    digits: '',
    replies: {},
    answers: {},
    queues: {},
    lastAgent: '',
  };
}

/** "1, none, 2, hangup" → ['1', null, '2', 'hangup']. */
export function parseDigits(s: string): (string | null)[] {
  return s
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((t) => (/^(none|-|timeout)$/i.test(t) ? null : t.toLowerCase() === 'hangup' ? 'hangup' : t));
}

function parseReplies(s: string): ({ status: number; body: string } | { error: string })[] {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\d{3})\s*(.*)$/.exec(l);
      if (m) return { status: Number(m[1]), body: m[2] ?? '' };
      return { error: l.replace(/^error\s*/i, '') || 'error' };
    });
}

/** The scenario the API takes, from the form (with the local time's offset). */
export function toScenario(d: ScenarioDraft, atWithOffset: string): Scenario {
  const lastAgent = d.lastAgent ? { kind: 'person' as const, id: d.lastAgent } : undefined;
  return {
    entry: { nodeId: d.entry },
    caller: { number: d.callerNumber.trim(), ...(d.callerName.trim() ? { name: d.callerName.trim() } : {}) },
    at: atWithOffset,
    digits: parseDigits(d.digits),
    httpReplies: Object.fromEntries(
      Object.entries(d.replies)
        .map(([id, text]) => [id, parseReplies(text)] as const)
        .filter(([, r]) => r.length),
    ),
    answers: Object.fromEntries(Object.entries(d.answers).filter(([, v]) => v)) as Scenario['answers'],
    queues: Object.fromEntries(Object.entries(d.queues).filter(([, v]) => v)) as Scenario['queues'],
    ...(lastAgent ? { lastAgent } : {}),
  };
}

/** Who a scenario may say answers: ring targets, forwarded numbers and SIP addresses. */
function answerKeys(ws: Workspace, data: FlowData | undefined): { key: string; label: string }[] {
  const out = new Map<string, string>();
  for (const n of ws.nodes) {
    const c = (n.config ?? {}) as Record<string, unknown>;
    if (n.type === 'ring' && Array.isArray(c.targets))
      for (const t of c.targets as { kind: string; id: string }[])
        out.set(`${t.kind}:${t.id}`, data?.targetNames.get(`${t.kind}:${t.id}`) ?? `${t.kind} ${t.id}`);
    if (n.type === 'forward-phone' && typeof c.number === 'string' && c.number)
      out.set(`number:${c.number}`, `${c.number} (forwarded)`);
    if (n.type === 'forward-sip' && typeof c.uri === 'string' && /^sips?:/.test(c.uri)) out.set(c.uri, c.uri);
  }
  return [...out].map(([key, label]) => ({ key, label }));
}

const OUTCOMES = [
  { value: '', label: 'does not answer' },
  { value: 'answered', label: 'answers' },
  { value: 'busy', label: 'is busy' },
  { value: 'failed', label: 'fails' },
];
const QUEUE_OUTCOMES = [
  { value: '', label: 'times out (nobody answers)' },
  { value: 'answered', label: 'an agent answers' },
  { value: 'overflow', label: 'overflows' },
  { value: 'callback', label: 'the caller asks for a callback' },
];

export function ScenarioForm({
  ws,
  data,
  value,
  onChange,
  err,
}: {
  ws: Workspace;
  data: FlowData | undefined;
  value: ScenarioDraft;
  onChange: (d: ScenarioDraft) => void;
  err: (field: string) => string | undefined;
}) {
  const set = <K extends keyof ScenarioDraft>(k: K, v: ScenarioDraft[K]) => onChange({ ...value, [k]: v });
  const entries = ws.nodes.filter((n) => ENTRY_TYPES.has(n.type));
  const services = ws.nodes.filter((n) => n.type === 'http' || n.type === 'lookup');
  const queueIds = [
    ...new Set(
      ws.nodes
        .filter((n) => n.type === 'queue')
        .map((n) => String((n.config as { queueId?: string })?.queueId ?? '')),
    ),
  ].filter(Boolean);
  const asksDigits = ws.nodes.some(
    (n) => n.type === 'menu' || (n.type === 'play' && (n.config as { bargeIn?: boolean })?.bargeIn),
  );
  const usesHistory = ws.nodes.some((n) => n.type === 'history');
  const entryLabel = (id: string) => {
    const n = ws.nodes.find((x) => x.id === id);
    const c = (n?.config ?? {}) as { number?: string; extension?: string };
    return `${n?.name || id} (${c.number ?? (c.extension ? `ext. ${c.extension}` : 'not set')})`;
  };
  return (
    <>
      <SelectField
        label="The call enters at"
        value={value.entry}
        onValue={(v) => set('entry', v)}
        options={
          entries.length
            ? entries.map((n) => ({ value: n.id, label: entryLabel(n.id) }))
            : [{ value: '', label: 'Add a Phone number or Internal number object first' }]
        }
        error={err('scenario.entry') ?? err('scenario')}
      />
      <div className="row">
        <TextField
          label="Caller number"
          value={value.callerNumber}
          onValue={(v) => set('callerNumber', v)}
          inputMode="tel"
          error={err('scenario.caller.number')}
        />
        <TextField label="Caller name" value={value.callerName} onValue={(v) => set('callerName', v)} />
      </div>
      <TextField
        label="Date and time"
        type="datetime-local"
        value={value.at}
        onValue={(v) => set('at', v)}
        hint="In your browser's time zone."
        error={err('scenario.at')}
      />
      {asksDigits ? (
        <TextField
          label="Keys the caller presses"
          value={value.digits}
          onValue={(v) => set('digits', v)}
          hint="In order, separated by commas: a key (0-9, *, #), none (no key before the timeout), hangup."
          error={err('scenario.digits')}
        />
      ) : null}
      {services.map((n) => (
        <TextAreaField
          key={n.id}
          label={`${n.name || n.id} replies`}
          value={value.replies[n.id] ?? ''}
          onValue={(v) => set('replies', { ...value.replies, [n.id]: v })}
          hint="One reply per request: “200 2” (status and body) or “error timeout”. None: the service fails."
          rows={2}
          error={err(`scenario.httpReplies.${n.id}`)}
        />
      ))}
      {answerKeys(ws, data).map(({ key, label }) => (
        <SelectField
          key={key}
          label={label}
          value={value.answers[key] ?? ''}
          onValue={(v) => set('answers', { ...value.answers, [key]: v })}
          options={OUTCOMES}
        />
      ))}
      {queueIds.map((id) => (
        <SelectField
          key={id}
          label={`Queue ${data?.queues.find((q) => q.id === id)?.name ?? id}`}
          value={value.queues[id] ?? ''}
          onValue={(v) => set('queues', { ...value.queues, [id]: v })}
          options={QUEUE_OUTCOMES}
        />
      ))}
      {usesHistory ? (
        <SelectField
          label="The caller last spoke to"
          value={value.lastAgent}
          onValue={(v) => set('lastAgent', v)}
          options={[
            { value: '', label: 'nobody' },
            ...(data?.people ?? []).map((p) => ({ value: p.id, label: p.name })),
          ]}
        />
      ) : null}
    </>
  );
}
