// Forms of the nodes with a few plain settings: entries, greeting, recording, rewrite, last
// agent, forwarding, HTTP, lookup, email.
import { type PromptRef, TEMPLATE_FIELDS } from '@switchboard/flows';
import { CheckField, SelectField, TextAreaField, TextField } from '../../ui/forms.tsx';
import { PromptField } from '../prompt-field.tsx';
import { ListKey, type NodeFormProps, NumberKey, TextKey, text } from './kit.tsx';

const TEMPLATES = `Templates: ${TEMPLATE_FIELDS.map((f) => `{{${f}}}`).join(' ')}`;

export function NumberForm(p: NodeFormProps) {
  const numbers = p.data?.numbers ?? [];
  const current = text(p.c.number);
  return (
    <SelectField
      label="Phone number"
      value={current}
      onValue={(number) => p.set({ number })}
      options={[
        { value: '', label: numbers.length ? 'Choose a number' : 'Buy a number first (Numbers)' },
        ...(current && !numbers.includes(current)
          ? [{ value: current, label: `${current} (not yours)` }]
          : []),
        ...numbers.map((n) => ({ value: n, label: n })),
      ]}
      error={p.err('number')}
      disabled={p.readOnly}
    />
  );
}

export function InternalNumberForm(p: NodeFormProps) {
  return <TextKey p={p} field="extension" label="Extension" hint="3 to 6 digits colleagues dial." />;
}

export function PlayForm(p: NodeFormProps) {
  return (
    <>
      <PromptField
        label="What the caller hears"
        value={p.c.prompt as PromptRef | undefined}
        onChange={(prompt) => p.set({ prompt })}
        error={(f) => p.err(f ? `prompt.${f}` : 'prompt')}
        data={p.data}
        readOnly={p.readOnly}
        onPromptCreated={p.onPromptCreated}
      />
      <CheckField
        label="The caller may skip it with a key"
        checked={p.c.bargeIn === true}
        onChecked={(bargeIn) => p.set({ bargeIn })}
        disabled={p.readOnly}
      />
    </>
  );
}

export function RecordForm(p: NodeFormProps) {
  return (
    <SelectField
      label="Recording"
      value={text(p.c.action) || 'start'}
      onValue={(action) => p.set({ action })}
      options={[
        { value: 'start', label: 'Start recording this branch' },
        { value: 'stop', label: 'Stop recording' },
      ]}
      error={p.err('action')}
      disabled={p.readOnly}
    />
  );
}

export function RewriteForm(p: NodeFormProps) {
  const key = (field: string, label: string) => (
    <TextField
      label={label}
      value={text(p.c[field])}
      onValue={(v) => p.set({ [field]: v.trim() ? v.trim() : undefined })}
      inputMode="tel"
      error={p.err(field)}
      disabled={p.readOnly}
    />
  );
  return (
    <>
      <div className="row">
        {key('removePrefix', 'Remove prefix')}
        {key('addPrefix', 'Add prefix')}
      </div>
      <div className="row">
        {key('removeSuffix', 'Remove suffix')}
        {key('addSuffix', 'Add suffix')}
      </div>
      {p.err('') ? <p className="field-error">{p.err('')}</p> : null}
    </>
  );
}

export function HistoryForm(p: NodeFormProps) {
  return (
    <>
      <NumberKey p={p} field="withinHours" label="Spoke within (hours)" min={1} max={8760} />
      <NumberKey p={p} field="timeoutSec" label="Ring for (seconds)" min={5} max={600} />
    </>
  );
}

export function ForwardPhoneForm(p: NodeFormProps) {
  return (
    <>
      <TextKey p={p} field="number" label="Number" hint="E.164 (+44...) or a number as dialled." />
      <NumberKey p={p} field="timeoutSec" label="Ring for (seconds)" min={5} max={600} />
    </>
  );
}

export function ForwardSipForm(p: NodeFormProps) {
  return (
    <>
      <TextKey p={p} field="uri" label="SIP address" placeholder="sip:desk@pbx.example.com" />
      <div className="row">
        <TextKey p={p} field="username" label="Username" hint="When the other side asks for a password." />
        <TextKey p={p} field="password" label="Password" type="password" />
      </div>
      <NumberKey p={p} field="timeoutSec" label="Ring for (seconds)" min={5} max={600} />
    </>
  );
}

export function HttpForm(p: NodeFormProps) {
  const headers = (p.c.headers ?? {}) as Record<string, string>;
  const rows = Object.entries(headers);
  const setHeaders = (next: [string, string][]) => p.set({ headers: Object.fromEntries(next) });
  return (
    <>
      <div className="row">
        <SelectField
          label="Method"
          value={text(p.c.method) || 'POST'}
          onValue={(method) => p.set({ method })}
          options={[
            { value: 'POST', label: 'POST' },
            { value: 'GET', label: 'GET' },
          ]}
          disabled={p.readOnly}
        />
        <NumberKey p={p} field="timeoutSec" label="Timeout (seconds)" min={1} max={30} />
      </div>
      <TextKey p={p} field="url" label="URL" hint={TEMPLATES} />
      <fieldset className="inner">
        <legend>Headers</legend>
        {rows.map(([name, value], i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: header rows are edited by position (names change as typed).
          <div className="row" key={`${i}-${rows.length}`}>
            <TextField
              label="Name"
              value={name}
              onValue={(n) => setHeaders(rows.map((r, j) => (j === i ? [n, r[1]] : r)))}
              error={p.err(`headers.${name}`)}
              disabled={p.readOnly}
            />
            <TextField
              label="Value"
              value={value}
              onValue={(v) => setHeaders(rows.map((r, j) => (j === i ? [r[0], v] : r)))}
              disabled={p.readOnly}
            />
          </div>
        ))}
        {p.readOnly ? null : (
          <button
            type="button"
            className="btn small"
            onClick={() => setHeaders([...rows, [`X-Header-${rows.length + 1}`, '']])}
          >
            Add a header
          </button>
        )}
        {p.err('headers') ? <span className="field-error">{p.err('headers')}</span> : null}
      </fieldset>
      <TextAreaField
        label="Body"
        value={text(p.c.body)}
        onValue={(body) => p.set({ body })}
        hint="The reply's first digit 1 to 5 picks the output; anything else, or no reply, is 'error'."
        error={p.err('body')}
        disabled={p.readOnly}
      />
    </>
  );
}

export function LookupForm(p: NodeFormProps) {
  return (
    <>
      <TextKey p={p} field="url" label="URL" hint={`${TEMPLATES}. The reply names the caller.`} />
      <NumberKey p={p} field="timeoutSec" label="Timeout (seconds)" min={1} max={30} />
    </>
  );
}

export function EmailForm(p: NodeFormProps) {
  return (
    <>
      <ListKey p={p} field="to" label="To" hint="Addresses separated by commas." />
      <TextKey p={p} field="subject" label="Subject" hint={TEMPLATES} />
      <TextAreaField
        label="Body"
        value={text(p.c.body)}
        onValue={(body) => p.set({ body })}
        error={p.err('body')}
        disabled={p.readOnly}
      />
    </>
  );
}
