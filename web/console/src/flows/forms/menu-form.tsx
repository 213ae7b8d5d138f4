// IVR menu: the prompt, the keys that lead somewhere (one output each), how long to wait,
// how many retries, and what to say after a wrong key.
import { MENU_KEYS, type PromptRef } from '@switchboard/flows';
import { CheckField } from '../../ui/forms.tsx';
import { PromptField } from '../prompt-field.tsx';
import { type NodeFormProps, NumberKey } from './kit.tsx';

export function MenuForm(p: NodeFormProps) {
  const keys = (Array.isArray(p.c.keys) ? p.c.keys : []) as string[];
  const toggle = (k: string, on: boolean) =>
    p.set({ keys: on ? MENU_KEYS.filter((x) => x === k || keys.includes(x)) : keys.filter((x) => x !== k) });
  const invalid = p.c.invalidPrompt as PromptRef | undefined;
  return (
    <>
      <PromptField
        label="Menu prompt"
        value={p.c.prompt as PromptRef | undefined}
        onChange={(prompt) => p.set({ prompt })}
        error={(f) => p.err(f ? `prompt.${f}` : 'prompt')}
        data={p.data}
        readOnly={p.readOnly}
        onPromptCreated={p.onPromptCreated}
      />
      <fieldset className="inner">
        <legend>Keys the caller may press</legend>
        <div className="keypad">
          {MENU_KEYS.map((k) => (
            <CheckField
              key={k}
              label={k}
              checked={keys.includes(k)}
              onChecked={(on) => toggle(k, on)}
              disabled={p.readOnly}
            />
          ))}
        </div>
        {p.err('keys') ? <span className="field-error">{p.err('keys')}</span> : null}
      </fieldset>
      <div className="row">
        <NumberKey p={p} field="timeoutSec" label="Wait for a key (seconds)" min={1} max={60} />
        <NumberKey
          p={p}
          field="retries"
          label="Retries"
          min={0}
          max={9}
          hint="Then 'timeout' or 'invalid'."
        />
      </div>
      <CheckField
        label="Say something after a wrong key"
        checked={!!invalid}
        onChecked={(on) =>
          p.set({
            invalidPrompt: on
              ? { kind: 'tts', text: 'Sorry, that is not an option.', language: 'en' }
              : undefined,
          })
        }
        disabled={p.readOnly}
      />
      {invalid ? (
        <PromptField
          label="After a wrong key"
          value={invalid}
          onChange={(invalidPrompt) => p.set({ invalidPrompt })}
          error={(f) => p.err(f ? `invalidPrompt.${f}` : 'invalidPrompt')}
          data={p.data}
          readOnly={p.readOnly}
          onPromptCreated={p.onPromptCreated}
        />
      ) : null}
    </>
  );
}
