// Form fields with their label, hint and the API's error message at the field (linked with
// aria-describedby and aria-invalid so a screen reader reads it with the field).
import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useId,
} from 'react';
import type { ApiFailure } from '../api/client.ts';

interface FieldProps {
  label: ReactNode;
  error?: string | undefined;
  hint?: ReactNode;
}

function describedBy(id: string, error?: string, hint?: ReactNode): string | undefined {
  const ids = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function Help({ id, error, hint }: { id: string; error?: string | undefined; hint?: ReactNode }) {
  return (
    <>
      {hint ? (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span className="field-error" id={`${id}-error`}>
          {error}
        </span>
      ) : null}
    </>
  );
}

export function TextField({
  label,
  error,
  hint,
  onValue,
  ...input
}: FieldProps & InputHTMLAttributes<HTMLInputElement> & { onValue?: (v: string) => void }) {
  const id = useId();
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        {...input}
        onChange={(e) => {
          input.onChange?.(e);
          onValue?.(e.target.value);
        }}
      />
      <Help id={id} error={error} hint={hint} />
    </div>
  );
}

export function TextAreaField({
  label,
  error,
  hint,
  onValue,
  ...input
}: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement> & { onValue?: (v: string) => void }) {
  const id = useId();
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        {...input}
        onChange={(e) => {
          input.onChange?.(e);
          onValue?.(e.target.value);
        }}
      />
      <Help id={id} error={error} hint={hint} />
    </div>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField({
  label,
  error,
  hint,
  options,
  onValue,
  ...select
}: FieldProps &
  SelectHTMLAttributes<HTMLSelectElement> & { options: readonly Option[]; onValue?: (v: string) => void }) {
  const id = useId();
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        {...select}
        onChange={(e) => {
          select.onChange?.(e);
          onValue?.(e.target.value);
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Help id={id} error={error} hint={hint} />
    </div>
  );
}

export function CheckField({
  label,
  error,
  hint,
  onChecked,
  ...input
}: FieldProps & InputHTMLAttributes<HTMLInputElement> & { onChecked?: (v: boolean) => void }) {
  const id = useId();
  return (
    <div className={`field check${error ? ' invalid' : ''}`}>
      <input
        id={id}
        type="checkbox"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        {...input}
        onChange={(e) => {
          input.onChange?.(e);
          onChecked?.(e.target.checked);
        }}
      />
      <label htmlFor={id}>{label}</label>
      <Help id={id} error={error} hint={hint} />
    </div>
  );
}

/** The API's error for the whole form, unless one of `atFields` shows it already. */
export function FormError({ error, atFields = [] }: { error: ApiFailure | undefined; atFields?: string[] }) {
  if (!error) return null;
  if (error.field && atFields.some((f) => error.field === f || error.field?.startsWith(`${f}.`))) return null;
  return (
    <p className="form-error" role="alert">
      {error.message}
    </p>
  );
}

export function Submit({
  pending,
  children,
  busy,
}: {
  pending: boolean;
  children: ReactNode;
  busy?: string;
}) {
  return (
    <button type="submit" className="btn primary" disabled={pending} aria-busy={pending || undefined}>
      {pending ? (busy ?? 'Working…') : children}
    </button>
  );
}
