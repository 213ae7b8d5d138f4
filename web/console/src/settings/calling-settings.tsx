// Calling policy: where phones may register from (SIP ACL), bounds against toll fraud
// (concurrent external calls, monthly spend cap, blocked prefixes) and dialing rules.
import { useState } from 'react';
import { call, type Response } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { Loaded, Saved } from '../ui/feedback.tsx';
import { CheckField, FormError, Submit, TextAreaField, TextField } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';

type Calling = Response<'GET /api/tenant/calling'>;
type Rule = Calling['dialingRules'][number];

const lines = (s: string) =>
  s
    .split(/[\n,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

export function CallingSettings() {
  const calling = useQuery((signal) => call('GET /api/tenant/calling', { signal }), []);
  return <Loaded query={calling}>{(c) => <CallingForm calling={c} onSaved={calling.set} />}</Loaded>;
}

function CallingForm({ calling, onSaved }: { calling: Calling; onSaved: (c: Calling) => void }) {
  const action = useAction();
  const [acl, setAcl] = useState(calling.sipAcl.join('\n'));
  const [maxExternal, setMaxExternal] = useState(String(calling.maxExternalCalls));
  const [capOn, setCapOn] = useState(calling.monthlySpendCap !== null);
  const [cap, setCap] = useState(calling.monthlySpendCap ?? '');
  const [blocked, setBlocked] = useState(calling.blockedPrefixes.join('\n'));
  const [rules, setRules] = useState<Rule[]>(calling.dialingRules);
  const [saved, setSaved] = useState<string>();
  const err = (f: string) => fieldError(action.error, f);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const c = await action.run(() =>
      call('PATCH /api/tenant/calling', {
        body: {
          sipAcl: lines(acl),
          maxExternalCalls: Number(maxExternal),
          monthlySpendCap: capOn ? cap.trim() : null,
          blockedPrefixes: lines(blocked),
          dialingRules: rules,
        },
      }),
    );
    if (c) {
      onSaved(c);
      setAcl(c.sipAcl.join('\n'));
      setBlocked(c.blockedPrefixes.join('\n'));
      setSaved('Calling policy saved.');
    }
  };
  const setRule = (i: number, r: Partial<Rule>) =>
    setRules(rules.map((x, j) => (j === i ? { ...x, ...r } : x)));

  return (
    <form onSubmit={save} noValidate>
      <Section title="SIP access">
        <TextAreaField
          label="Addresses phones may register from"
          value={acl}
          onValue={setAcl}
          hint="One IP address or CIDR range per line (203.0.113.0/24, 2001:db8::/32). Empty: from anywhere."
          error={err('sipAcl')}
        />
      </Section>
      <Section title="Toll-fraud limits">
        <p>
          Spent this month: <strong>{calling.spentThisMonth}</strong>
        </p>
        <div className="row">
          <TextField
            label="Most external calls at once"
            type="number"
            min={0}
            value={maxExternal}
            onValue={setMaxExternal}
            error={err('maxExternalCalls')}
          />
          <div>
            <CheckField
              label="Monthly spend cap"
              checked={capOn}
              onChecked={setCapOn}
              hint="External calls stop once the month's spend reaches it."
            />
            {capOn ? (
              <TextField
                label="Cap amount"
                value={cap}
                onValue={setCap}
                inputMode="decimal"
                error={err('monthlySpendCap')}
              />
            ) : null}
          </div>
        </div>
        <TextAreaField
          label="Blocked destinations"
          value={blocked}
          onValue={setBlocked}
          hint="Number prefixes nobody may call, one per line (+1900, +44870)."
          error={err('blockedPrefixes')}
        />
      </Section>
      <Section title="Dialing rules">
        <p className="hint">
          How numbers people dial become E.164: a number starting with “starts with” and at least “min length”
          long gets that prefix replaced.
        </p>
        {rules.length === 0 ? <p className="muted">No rules: people dial full E.164 numbers.</p> : null}
        {rules.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rules are edited in place by position.
          <div className="row rule" key={i}>
            <TextField
              label="Starts with"
              value={r.startsWith}
              onValue={(v) => setRule(i, { startsWith: v })}
              error={err(`dialingRules.${i}.startsWith`)}
            />
            <TextField
              label="Replace with"
              value={r.replaceWith}
              onValue={(v) => setRule(i, { replaceWith: v })}
              error={err(`dialingRules.${i}.replaceWith`)}
            />
            <TextField
              label="Min length"
              type="number"
              min={0}
              max={20}
              value={String(r.minLength)}
              onValue={(v) => setRule(i, { minLength: Number(v) })}
              error={err(`dialingRules.${i}.minLength`)}
            />
            <button
              type="button"
              className="btn small danger"
              onClick={() => setRules(rules.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          className="btn"
          onClick={() => setRules([...rules, { startsWith: '0', replaceWith: '+', minLength: 8 }])}
        >
          Add a rule
        </button>
      </Section>
      <FormError
        error={action.error}
        atFields={['sipAcl', 'maxExternalCalls', 'monthlySpendCap', 'blockedPrefixes', 'dialingRules']}
      />
      <div className="form-actions">
        <Submit pending={action.pending}>Save calling policy</Submit>
        <Saved message={saved} />
      </div>
    </form>
  );
}
