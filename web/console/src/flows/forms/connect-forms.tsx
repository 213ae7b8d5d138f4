// Forms of the nodes that connect the caller to someone: ring people or lines, a queue, a
// voicemail box.
import { useState } from 'react';
import { Link } from '../../router.tsx';
import { SelectField } from '../../ui/forms.tsx';
import { boxLabel } from '../flow-data.ts';
import { ListKey, type NodeFormProps, NumberKey, text } from './kit.tsx';

type Target = { kind: 'person' | 'line'; id: string };

export function RingForm(p: NodeFormProps) {
  const targets = (Array.isArray(p.c.targets) ? p.c.targets : []) as Target[];
  const [adding, setAdding] = useState('');
  const people = p.data?.people ?? [];
  const lines = p.data?.lines ?? [];
  const name = (t: Target) => p.data?.targetNames.get(`${t.kind}:${t.id}`) ?? `${t.kind} ${t.id}`;
  const options = [
    { value: '', label: 'Choose someone to ring' },
    ...people.map((x) => ({
      value: `person:${x.id}`,
      label: `${x.name}${x.extension ? ` (${x.extension})` : ''}: all their phones`,
    })),
    ...lines.map((x) => ({ value: `line:${x.id}`, label: `${x.name}: this line only` })),
  ].filter((o) => !targets.some((t) => `${t.kind}:${t.id}` === o.value));
  const add = (value: string) => {
    const [kind, id] = value.split(':') as ['person' | 'line', string];
    if (id) p.set({ targets: [...targets, { kind, id }] });
    setAdding('');
  };
  return (
    <>
      <fieldset className="inner">
        <legend>Ring</legend>
        {targets.length === 0 ? <p className="muted">Nobody yet.</p> : null}
        <ol className="target-list">
          {targets.map((t, i) => (
            <li key={`${t.kind}:${t.id}`}>
              {name(t)}
              {p.err(`targets.${i}.id`) ? (
                <span className="field-error"> {p.err(`targets.${i}.id`)}</span>
              ) : null}
              {p.readOnly ? null : (
                <button
                  type="button"
                  className="btn small"
                  onClick={() => p.set({ targets: targets.filter((_, j) => j !== i) })}
                  aria-label={`Remove ${name(t)}`}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ol>
        {p.readOnly ? null : <SelectField label="Add" value={adding} onValue={add} options={options} />}
        {p.err('targets') ? <span className="field-error">{p.err('targets')}</span> : null}
      </fieldset>
      <SelectField
        label="Strategy"
        value={text(p.c.strategy) || 'simultaneous'}
        onValue={(strategy) => p.set({ strategy })}
        options={[
          { value: 'simultaneous', label: 'All at once' },
          { value: 'sequential', label: 'In order, one after another' },
        ]}
        disabled={p.readOnly}
      />
      <div className="row">
        <NumberKey p={p} field="timeoutSec" label="Ring for (seconds)" min={5} max={600} />
        {p.c.strategy === 'sequential' ? (
          <NumberKey p={p} field="stepTimeoutSec" label="Each for (seconds)" min={5} max={600} />
        ) : null}
      </div>
    </>
  );
}

export function QueueForm(p: NodeFormProps) {
  const queues = p.data?.queues ?? [];
  return (
    <>
      <SelectField
        label="Queue"
        value={text(p.c.queueId)}
        onValue={(queueId) => p.set({ queueId })}
        options={[
          { value: '', label: queues.length ? 'Choose a queue' : 'No queue yet' },
          ...queues.map((q) => ({ value: q.id, label: q.name })),
        ]}
        error={p.err('queueId')}
        hint={<Link to="/queues">Manage queues</Link>}
        disabled={p.readOnly}
      />
      <ListKey
        p={p}
        field="tags"
        label="Caller tags"
        hint="For skills-based queues: matched to agents' skills."
      />
    </>
  );
}

export function VoicemailForm(p: NodeFormProps) {
  const boxes = p.data?.boxes ?? [];
  const data = p.data;
  return (
    <>
      <SelectField
        label="Caller"
        value={text(p.c.mode) || 'leave'}
        onValue={(mode) => p.set({ mode })}
        options={[
          { value: 'leave', label: 'leaves a message' },
          { value: 'listen', label: 'listens to the box (with its PIN)' },
        ]}
        disabled={p.readOnly}
      />
      <SelectField
        label="Voicemail box"
        value={text(p.c.boxId)}
        onValue={(boxId) => p.set({ boxId })}
        options={[
          { value: '', label: boxes.length ? 'Choose a box' : 'No box yet' },
          ...boxes.map((b) => ({ value: b.id, label: data ? boxLabel(b, data) : b.name })),
        ]}
        error={p.err('boxId')}
        disabled={p.readOnly}
      />
    </>
  );
}
