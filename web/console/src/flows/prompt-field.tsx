// Choosing what the caller hears: a prompt from the audio library (listen to it, or add one
// by upload or text-to-speech right here) or text spoken inline, with a preview.
import type { PromptRef } from '@switchboard/flows';
import { useId, useState } from 'react';
import { call, callBlob } from '../api/client.ts';
import { useAction, useQuery } from '../api/hooks.ts';
import { type Prompt, TtsPromptForm, UploadPromptForm, useObjectUrl } from '../prompts/prompt-forms.tsx';
import { FormError, SelectField, TextAreaField } from '../ui/forms.tsx';
import type { FlowData } from './flow-data.ts';

export function PromptField({
  label,
  value,
  onChange,
  error,
  data,
  readOnly,
  onPromptCreated,
}: {
  label: string;
  value: PromptRef | undefined;
  onChange: (p: PromptRef) => void;
  error: (field: string) => string | undefined;
  data: FlowData | undefined;
  readOnly: boolean;
  onPromptCreated: (p: Prompt) => void;
}) {
  const id = useId();
  const [adding, setAdding] = useState<'upload' | 'tts' | undefined>();
  const [audio, setAudio] = useObjectUrl();
  const preview = useAction();
  const languages = useQuery((signal) => call('GET /api/prompts/languages', { signal }), []);
  const kind = value?.kind ?? 'tts';
  const prompts = data?.prompts ?? [];
  const chosen = value?.kind === 'file' ? prompts.find((p) => p.id === value.promptId) : undefined;

  const listen = async () => {
    if (value?.kind !== 'tts') return;
    const blob = await preview.run(() =>
      callBlob('POST /api/prompts/preview', { body: { text: value.text, language: value.language } }),
    );
    setAudio(blob);
  };

  return (
    <fieldset className="prompt-field" disabled={readOnly}>
      <legend>{label}</legend>
      <div className="radios" role="radiogroup" aria-label={`${label}: source`}>
        <label>
          <input
            type="radio"
            name={id}
            checked={kind === 'file'}
            onChange={() => onChange({ kind: 'file', promptId: prompts[0]?.id ?? '' })}
          />{' '}
          Audio library
        </label>
        <label>
          <input
            type="radio"
            name={id}
            checked={kind === 'tts'}
            onChange={() => onChange({ kind: 'tts', text: '', language: 'en' })}
          />{' '}
          Spoken text
        </label>
      </div>
      {value?.kind === 'file' ? (
        <>
          <SelectField
            label="Prompt"
            value={value.promptId}
            onValue={(promptId) => onChange({ kind: 'file', promptId })}
            options={[
              { value: '', label: prompts.length ? 'Choose a prompt' : 'The library is empty' },
              ...prompts.map((p) => ({ value: p.id, label: p.name })),
            ]}
            error={error('promptId')}
          />
          {chosen ? (
            // biome-ignore lint/a11y/useMediaCaption: the prompt's name labels it; its text is in the library.
            <audio controls preload="none" src={chosen.audioUrl} aria-label={`Listen to ${chosen.name}`} />
          ) : null}
          {readOnly ? null : (
            <p className="aside">
              Add to the library:{' '}
              <button
                type="button"
                className="link"
                onClick={() => setAdding(adding === 'upload' ? undefined : 'upload')}
              >
                upload a recording
              </button>{' '}
              or{' '}
              <button
                type="button"
                className="link"
                onClick={() => setAdding(adding === 'tts' ? undefined : 'tts')}
              >
                text to speech
              </button>
            </p>
          )}
          {adding ? (
            <div className="inline-add">
              {adding === 'upload' ? (
                <UploadPromptForm
                  onCreated={(p) => {
                    onPromptCreated(p);
                    onChange({ kind: 'file', promptId: p.id });
                    setAdding(undefined);
                  }}
                />
              ) : (
                <TtsPromptForm
                  onCreated={(p) => {
                    onPromptCreated(p);
                    onChange({ kind: 'file', promptId: p.id });
                    setAdding(undefined);
                  }}
                />
              )}
            </div>
          ) : null}
        </>
      ) : (
        <>
          <TextAreaField
            label="Text"
            value={value?.kind === 'tts' ? value.text : ''}
            onValue={(text) =>
              onChange({ kind: 'tts', text, language: value?.kind === 'tts' ? value.language : 'en' })
            }
            maxLength={2000}
            error={error('text')}
          />
          <SelectField
            label="Language"
            value={value?.kind === 'tts' ? value.language : 'en'}
            onValue={(language) =>
              onChange({ kind: 'tts', text: value?.kind === 'tts' ? value.text : '', language })
            }
            options={(languages.data?.languages ?? ['en']).map((l) => ({ value: l, label: l }))}
            error={error('language')}
          />
          <button
            type="button"
            className="btn small"
            onClick={() => void listen()}
            disabled={preview.pending || !(value?.kind === 'tts' && value.text.trim())}
          >
            {preview.pending ? 'Speaking…' : 'Preview'}
          </button>
          <FormError error={preview.error} />
          {audio ? (
            // biome-ignore lint/a11y/useMediaCaption: a spoken preview of the text above.
            <audio controls autoPlay src={audio} aria-label="Preview of the spoken text" />
          ) : null}
        </>
      )}
      {error('') ? <span className="field-error">{error('')}</span> : null}
    </fieldset>
  );
}
