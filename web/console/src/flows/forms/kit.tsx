// What every node form shares: the config as a record, a patch function, the validation
// message at a config field, and small fields bound to one config key.
import type { Prompt } from '../../prompts/prompt-forms.tsx';
import { TextField } from '../../ui/forms.tsx';
import type { FlowData } from '../flow-data.ts';

export type Config = Record<string, unknown>;

export interface NodeFormProps {
  c: Config;
  /** Merges into the config; an undefined value removes the key (its default applies). */
  set: (patch: Config) => void;
  err: (field: string) => string | undefined;
  data: FlowData | undefined;
  readOnly: boolean;
  onPromptCreated: (p: Prompt) => void;
}

export const text = (v: unknown) => (typeof v === 'string' ? v : '');

export function NumberKey({
  p,
  field,
  label,
  min,
  max,
  hint,
}: {
  p: NodeFormProps;
  field: string;
  label: string;
  min: number;
  max: number;
  hint?: string;
}) {
  const v = p.c[field];
  return (
    <TextField
      label={label}
      type="number"
      min={min}
      max={max}
      value={typeof v === 'number' ? String(v) : ''}
      onValue={(s) => p.set({ [field]: s === '' ? undefined : Number(s) })}
      hint={hint}
      error={p.err(field)}
      disabled={p.readOnly}
    />
  );
}

export function TextKey({
  p,
  field,
  label,
  hint,
  placeholder,
  type = 'text',
}: {
  p: NodeFormProps;
  field: string;
  label: string;
  hint?: string;
  placeholder?: string;
  type?: string;
}) {
  return (
    <TextField
      label={label}
      type={type}
      value={text(p.c[field])}
      onValue={(s) => p.set({ [field]: s })}
      hint={hint}
      placeholder={placeholder}
      error={p.err(field)}
      disabled={p.readOnly}
    />
  );
}

/** A comma-separated list bound to a string array key. */
export function ListKey({
  p,
  field,
  label,
  hint,
}: {
  p: NodeFormProps;
  field: string;
  label: string;
  hint?: string;
}) {
  const v = p.c[field];
  return (
    <TextField
      label={label}
      value={Array.isArray(v) ? v.join(', ') : ''}
      onValue={(s) =>
        p.set({
          [field]: s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        })
      }
      hint={hint}
      error={p.err(field)}
      disabled={p.readOnly}
    />
  );
}
