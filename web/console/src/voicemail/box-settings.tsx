// A voicemail box's settings: name, PIN, the greeting callers hear (default, spoken text or
// an uploaded recording), the longest message, and who gets new messages by email.
import { useState } from 'react';
import { call, type Response, urlOf } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { Saved } from '../ui/feedback.tsx';
import { CheckField, FormError, SelectField, Submit, TextAreaField, TextField } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';

type Box = Response<'GET /api/voicemail/boxes/{id}'>;

export function BoxSettings({
  box,
  onSaved,
  writable,
}: {
  box: Box;
  onSaved: () => void;
  writable: boolean;
}) {
  const action = useAction();
  const upload = useAction();
  const languages = useQuery((signal) => call('GET /api/prompts/languages', { signal }), []);
  const [name, setName] = useState(box.name);
  const [pin, setPin] = useState('');
  const [removePin, setRemovePin] = useState(false);
  const [greeting, setGreeting] = useState(box.greeting.kind);
  const [text, setText] = useState(box.greeting.kind === 'tts' ? box.greeting.text : '');
  const [language, setLanguage] = useState(box.greeting.kind === 'tts' ? box.greeting.language : 'en');
  const [maxSeconds, setMaxSeconds] = useState(String(box.maxMessageSeconds));
  const [emails, setEmails] = useState(box.emails.join(', '));
  const [attach, setAttach] = useState(box.attachAudio);
  const [saved, setSaved] = useState<string>();
  const [listen, setListen] = useState(0);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const body = {
      name,
      maxMessageSeconds: Number(maxSeconds),
      emails: emails
        .split(/[\s,;]+/)
        .map((x) => x.trim())
        .filter(Boolean),
      attachAudio: attach,
      ...(removePin ? { pin: null } : pin ? { pin } : {}),
      ...(greeting === 'default'
        ? { greeting: { kind: 'default' as const } }
        : greeting === 'tts'
          ? { greeting: { kind: 'tts' as const, text, language } }
          : {}),
    };
    const r = await action.run(() =>
      call('PATCH /api/voicemail/boxes/{id}', { params: { id: box.id }, body }),
    );
    if (r) {
      setPin('');
      setRemovePin(false);
      setSaved('Box saved.');
      setListen((n) => n + 1);
      onSaved();
    }
  };
  const uploadGreeting = async (file: File | undefined) => {
    if (!file) return;
    const data = new FormData();
    data.append('file', file);
    const r = await upload.run(() =>
      call('PUT /api/voicemail/boxes/{id}/greeting', { params: { id: box.id }, raw: data }),
    );
    if (r) {
      setGreeting('file');
      setSaved('Greeting uploaded.');
      setListen((n) => n + 1);
      onSaved();
    }
  };
  if (!writable) return null;
  return (
    <Section title="Box settings">
      <form onSubmit={save} noValidate>
        <div className="row">
          <TextField label="Name" value={name} onValue={setName} error={fieldError(action.error, 'name')} />
          <TextField
            label={box.hasPin ? 'New PIN' : 'PIN'}
            value={pin}
            onValue={setPin}
            inputMode="numeric"
            autoComplete="off"
            hint={
              box.hasPin
                ? 'A PIN is set; leave empty to keep it.'
                : 'Without a PIN the box opens only from its own phone.'
            }
            error={fieldError(action.error, 'pin')}
          />
        </div>
        {box.hasPin ? (
          <CheckField label="Remove the PIN" checked={removePin} onChecked={setRemovePin} />
        ) : null}
        <fieldset>
          <legend>Greeting</legend>
          <SelectField
            label="Callers hear"
            value={greeting}
            onValue={(v) => setGreeting(v as typeof greeting)}
            options={[
              { value: 'default', label: 'The standard greeting' },
              { value: 'tts', label: 'A text I type' },
              { value: 'file', label: 'A recording I upload' },
            ]}
          />
          {greeting === 'tts' ? (
            <>
              <TextAreaField
                label="Greeting text"
                value={text}
                onValue={setText}
                maxLength={1000}
                error={fieldError(action.error, 'greeting.text')}
              />
              <SelectField
                label="Language"
                value={language}
                onValue={setLanguage}
                options={(languages.data?.languages ?? ['en']).map((l) => ({ value: l, label: l }))}
                error={fieldError(action.error, 'greeting.language')}
              />
            </>
          ) : null}
          {greeting === 'file' ? (
            <TextField
              label="Greeting recording (WAV or MP3)"
              type="file"
              accept=".wav,.mp3,audio/wav,audio/mpeg"
              onChange={(e) => void uploadGreeting(e.target.files?.[0])}
              error={fieldError(upload.error, 'file') ?? upload.error?.message}
            />
          ) : null}
          {/* biome-ignore lint/a11y/useMediaCaption: the greeting's text (if any) is in the field above. */}
          <audio
            key={listen}
            controls
            preload="none"
            src={urlOf('GET /api/voicemail/boxes/{id}/greeting', { id: box.id })}
            aria-label="Listen to the greeting"
          />
        </fieldset>
        <div className="row">
          <TextField
            label="Longest message (seconds)"
            type="number"
            min={10}
            value={maxSeconds}
            onValue={setMaxSeconds}
            error={fieldError(action.error, 'maxMessageSeconds')}
          />
          <TextField
            label="Email new messages to"
            value={emails}
            onValue={setEmails}
            hint="Addresses separated by commas."
            error={fieldError(action.error, 'emails')}
          />
        </div>
        <CheckField label="Attach the message as MP3" checked={attach} onChecked={setAttach} />
        <FormError
          error={action.error}
          atFields={['name', 'pin', 'greeting', 'maxMessageSeconds', 'emails']}
        />
        <div className="form-actions">
          <Submit pending={action.pending}>Save box</Submit>
          <Saved message={saved} />
        </div>
      </form>
    </Section>
  );
}
