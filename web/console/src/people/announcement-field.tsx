// A line's announcement (spec 001 "Internal/External Announcement"): an uploaded prompt of the
// audio library, or none; a button plays the chosen one. Spoken-text prompts have no file, so
// they are not offered (a line announcement is a file).
import { useEffect, useRef, useState } from 'react';
import type { Response } from '../api/client.ts';
import { Link } from '../router.tsx';
import { SelectField } from '../ui/forms.tsx';

export type LibraryPrompt = Response<'GET /api/prompts'>['items'][number];

export function AnnouncementField({
  label,
  hint,
  value,
  onValue,
  prompts,
  error,
}: {
  label: string;
  hint: string;
  /** The file id ('' none). */
  value: string;
  onValue: (fileId: string) => void;
  prompts: LibraryPrompt[] | undefined;
  error: string | undefined;
}) {
  const uploads = (prompts ?? []).filter((p) => p.fileId);
  const chosen = uploads.find((p) => p.fileId === value);
  const options = [
    { value: '', label: 'None' },
    ...uploads.map((p) => ({ value: p.fileId as string, label: p.name })),
    // A file set another way (the API) that is not in the library: kept as it is.
    ...(value && !chosen && prompts ? [{ value, label: 'A file outside the audio library' }] : []),
  ];
  return (
    <div className="announcement">
      <SelectField
        label={label}
        value={value}
        onValue={onValue}
        options={options}
        disabled={!prompts}
        hint={
          prompts && uploads.length === 0 ? (
            <>
              {hint} Upload a recording to the <Link to="/prompts">audio library</Link> to choose one.
            </>
          ) : (
            hint
          )
        }
        error={error}
      />
      {chosen ? <PlayButton url={chosen.audioUrl} name={chosen.name} /> : null}
    </div>
  );
}

/** Plays a prompt once (press again to stop); stops when the choice changes or the form goes. */
function PlayButton({ url, name }: { url: string; name: string }) {
  const audio = useRef<HTMLAudioElement>(undefined);
  const [playing, setPlaying] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new prompt stops the old one.
  useEffect(
    () => () => {
      audio.current?.pause();
      audio.current = undefined;
      setPlaying(false);
    },
    [url],
  );
  const toggle = () => {
    if (playing) {
      audio.current?.pause();
      setPlaying(false);
      return;
    }
    const a = new Audio(url);
    audio.current = a;
    a.onended = () => setPlaying(false);
    a.onerror = () => setPlaying(false);
    setPlaying(true);
    a.play().catch(() => setPlaying(false));
  };
  return (
    <button
      type="button"
      className="btn small"
      onClick={toggle}
      aria-label={playing ? `Stop ${name}` : `Play ${name}`}
      aria-pressed={playing}
    >
      {playing ? 'Stop' : 'Play'}
    </button>
  );
}
