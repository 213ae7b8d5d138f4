// A queue's settings: strategy, ring and wrap-up times, limits, what waiting callers hear,
// the callback key, the service-level threshold, recording and the owning team.
import type { ApiFailure, Body, Response } from '../api/client.ts';
import { fieldError } from '../api/hooks.ts';
import { CheckField, SelectField, TextField } from '../ui/forms.tsx';

export type Queue = Response<'GET /api/queues/{id}'>;
export type QueueBody = Required<Body<'POST /api/queues'>>;

export const STRATEGIES = [
  { value: 'ring-all', label: 'Ring all: every agent at once' },
  { value: 'round-robin', label: 'Round robin: take turns' },
  { value: 'longest-idle', label: 'Longest idle first' },
  { value: 'fewest-calls', label: 'Fewest calls today first' },
  { value: 'skills', label: 'Skills: best match for the caller’s tags' },
  { value: 'random', label: 'Random' },
];

export const newQueue = (): QueueBody => ({
  name: '',
  strategy: 'round-robin',
  ringTimeoutSeconds: 20,
  wrapUpSeconds: 10,
  maxWaitSeconds: 300,
  maxCallers: 20,
  musicPromptId: null,
  announcePosition: true,
  announceWaitTime: false,
  announceEverySeconds: 60,
  callbackKey: null,
  serviceLevelSeconds: 20,
  record: false,
  teamId: null,
});

export function QueueForm({
  value,
  onChange,
  error,
  prompts,
  teams,
}: {
  value: QueueBody;
  onChange: (q: QueueBody) => void;
  error: ApiFailure | undefined;
  prompts: { id: string; name: string }[];
  teams: { id: string; name: string }[];
}) {
  const set = <K extends keyof QueueBody>(k: K, v: QueueBody[K]) => onChange({ ...value, [k]: v });
  const num = (k: keyof QueueBody, label: string, hint?: string) => (
    <TextField
      label={label}
      type="number"
      min={0}
      value={String(value[k] ?? '')}
      onValue={(v) => set(k, Number(v) as never)}
      hint={hint}
      error={fieldError(error, k)}
    />
  );
  return (
    <>
      <div className="row">
        <TextField
          label="Name"
          value={value.name}
          onValue={(v) => set('name', v)}
          required
          error={fieldError(error, 'name')}
        />
        <SelectField
          label="Strategy"
          value={value.strategy}
          onValue={(v) => set('strategy', v as QueueBody['strategy'])}
          options={STRATEGIES}
          error={fieldError(error, 'strategy')}
        />
      </div>
      <div className="row">
        {num('ringTimeoutSeconds', 'Ring each agent for (s)')}
        {num('wrapUpSeconds', 'Wrap-up after a call (s)')}
        {num('maxWaitSeconds', 'Longest wait (s)', '0: no limit; then the call leaves by “timeout”.')}
        {num('maxCallers', 'Most callers waiting', 'More leave by “overflow”.')}
      </div>
      <div className="row">
        <SelectField
          label="Hold music"
          value={value.musicPromptId ?? ''}
          onValue={(v) => set('musicPromptId', v || null)}
          options={[
            { value: '', label: 'Built-in music' },
            ...prompts.map((p) => ({ value: p.id, label: p.name })),
          ]}
          error={fieldError(error, 'musicPromptId')}
        />
        <SelectField
          label="Callback key"
          value={value.callbackKey ?? ''}
          onValue={(v) => set('callbackKey', (v || null) as QueueBody['callbackKey'])}
          options={[
            { value: '', label: 'No callbacks' },
            ...['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'].map((k) => ({
              value: k,
              label: `Key ${k}`,
            })),
          ]}
          error={fieldError(error, 'callbackKey')}
        />
        {num('serviceLevelSeconds', 'Service level: answered within (s)')}
      </div>
      <div className="chips">
        <CheckField
          label="Announce the caller’s position"
          checked={value.announcePosition}
          onChecked={(v) => set('announcePosition', v)}
        />
        <CheckField
          label="Announce the estimated wait"
          checked={value.announceWaitTime}
          onChecked={(v) => set('announceWaitTime', v)}
        />
        <CheckField
          label="Record the queue’s calls"
          checked={value.record}
          onChecked={(v) => set('record', v)}
        />
      </div>
      <div className="row">
        {num('announceEverySeconds', 'Announce every (s)')}
        <SelectField
          label="Team"
          value={value.teamId ?? ''}
          onValue={(v) => set('teamId', v || null)}
          options={[{ value: '', label: 'No team' }, ...teams.map((t) => ({ value: t.id, label: t.name }))]}
          hint="Its supervisors can log its agents in and out and hear its recordings."
          error={fieldError(error, 'teamId')}
        />
      </div>
    </>
  );
}
