// Adding audio prompts: upload a WAV or MP3, or type a text for text-to-speech and hear it
// before saving. Used by the audio library and by the flow editor's prompt picker.
import { useEffect, useRef, useState } from 'react';
import { call, callBlob, type Response } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { FormError, SelectField, Submit, TextAreaField, TextField } from '../ui/forms.tsx';

export type Prompt = Response<'GET /api/prompts'>['items'][number];

/** Object URLs made for audio previews, revoked when replaced or unmounted. */
export function useObjectUrl(): [string | undefined, (blob: Blob | undefined) => void] {
  const [url, setUrl] = useState<string>();
  const current = useRef<string | undefined>(undefined);
  useEffect(
    () => () => {
      if (current.current) URL.revokeObjectURL(current.current);
    },
    [],
  );
  const set = (blob: Blob | undefined) => {
    if (current.current) URL.revokeObjectURL(current.current);
    current.current = blob ? URL.createObjectURL(blob) : undefined;
    setUrl(current.current);
  };
  return [url, set];
}

export function UploadPromptForm({ onCreated }: { onCreated: (p: Prompt) => void }) {
  const action = useAction();
  const form = useRef<HTMLFormElement>(null);
  const [name, setName] = useState('');
  const submit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const p = await action.run(() => call('POST /api/prompts', { raw: data }));
    if (p) {
      form.current?.reset();
      setName('');
      onCreated(p);
    }
  };
  return (
    <form ref={form} onSubmit={submit} noValidate>
      <TextField
        label="Name"
        name="name"
        value={name}
        onValue={setName}
        required
        error={fieldError(action.error, 'name')}
      />
      <TextField
        label="Audio file"
        name="file"
        type="file"
        accept="audio/wav,audio/x-wav,audio/mpeg,.wav,.mp3"
        required
        hint="WAV or MP3, up to 10 minutes."
        error={fieldError(action.error, 'file')}
      />
      <FormError error={action.error} atFields={['name', 'file']} />
      <Submit pending={action.pending} busy="Uploading…">
        Upload
      </Submit>
    </form>
  );
}

export function TtsPromptForm({ onCreated }: { onCreated: (p: Prompt) => void }) {
  const action = useAction();
  const preview = useAction();
  const languages = useQuery((signal) => call('GET /api/prompts/languages', { signal }), []);
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const [language, setLanguage] = useState('en');
  const [audio, setAudio] = useObjectUrl();
  const err = (f: string) => fieldError(action.error ?? preview.error, f);

  const listen = async () => {
    const blob = await preview.run(() => callBlob('POST /api/prompts/preview', { body: { text, language } }));
    setAudio(blob);
  };
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const p = await action.run(() => call('POST /api/prompts/tts', { body: { name, text, language } }));
    if (p) {
      setName('');
      setText('');
      setAudio(undefined);
      onCreated(p);
    }
  };
  const options = (languages.data?.languages ?? ['en']).map((l) => ({ value: l, label: l }));
  return (
    <form onSubmit={submit} noValidate>
      <TextField label="Name" value={name} onValue={setName} required error={err('name')} />
      <TextAreaField
        label="Text to speak"
        value={text}
        onValue={setText}
        required
        maxLength={2000}
        error={err('text')}
      />
      <SelectField
        label="Language"
        value={language}
        onValue={setLanguage}
        options={options}
        error={err('language')}
      />
      <FormError error={action.error ?? preview.error} atFields={['name', 'text', 'language']} />
      <div className="form-actions">
        <button
          type="button"
          className="btn"
          onClick={() => void listen()}
          disabled={preview.pending || !text.trim()}
        >
          {preview.pending ? 'Speaking…' : 'Preview'}
        </button>
        <Submit pending={action.pending}>Save prompt</Submit>
      </div>
      {audio ? (
        // biome-ignore lint/a11y/useMediaCaption: a spoken preview of the text shown above it.
        <audio className="player" controls autoPlay src={audio} aria-label="Preview of the spoken text" />
      ) : null}
    </form>
  );
}
