// A recording's player: the waveform of each side (caller above, the other party below)
// drawn from the WAV, a playhead that follows the audio, click to seek, and download.
import { useEffect, useRef, useState } from 'react';
import { formatDuration } from '../lib/format.ts';
import { Loading } from '../ui/feedback.tsx';
import { loadWaveform, type Waveform } from './wav-peaks.ts';

const COLUMNS = 600;
const HEIGHT = 120;

function draw(canvas: HTMLCanvasElement, wave: Waveform, played: number) {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const w = canvas.width;
  const h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const lanes = wave.peaks.length;
  const lane = h / lanes;
  wave.peaks.forEach((row, c) => {
    const mid = lane * c + lane / 2;
    row.forEach((v, i) => {
      const x = (i / row.length) * w;
      const y = Math.max(1, v * (lane / 2 - 2));
      ctx.fillStyle = i / row.length < played ? '#1f5fbf' : c === 0 ? '#8aa7d6' : '#8cc7a8';
      ctx.fillRect(x, mid - y, Math.max(1, w / row.length - 0.5), y * 2);
    });
  });
  ctx.fillStyle = '#d98e04';
  ctx.fillRect(played * w - 1, 0, 2, h);
}

export function RecordingPlayer({ url, label }: { url: string; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const audio = useRef<HTMLAudioElement>(null);
  const [wave, setWave] = useState<Waveform>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    const abort = new AbortController();
    setWave(undefined);
    setError(undefined);
    loadWaveform(url, COLUMNS, abort.signal).then(setWave, (e: Error) => {
      if (!abort.signal.aborted) setError(e.message);
    });
    return () => abort.abort();
  }, [url]);

  useEffect(() => {
    if (!wave || !canvas.current) return;
    let frame = 0;
    const tick = () => {
      const a = audio.current;
      const played = a && wave.seconds ? Math.min(1, a.currentTime / wave.seconds) : 0;
      if (canvas.current) draw(canvas.current, wave, played);
      frame = requestAnimationFrame(tick);
    };
    tick();
    return () => cancelAnimationFrame(frame);
  }, [wave]);

  const seek = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const a = audio.current;
    if (!a || !wave) return;
    const box = e.currentTarget.getBoundingClientRect();
    a.currentTime = ((e.clientX - box.left) / box.width) * wave.seconds;
  };

  return (
    <div className="recording-player">
      {error ? <p className="form-error">{error}</p> : null}
      {!wave && !error ? <Loading label="Drawing the waveform…" /> : null}
      {wave ? (
        <>
          <canvas
            ref={canvas}
            width={COLUMNS * 2}
            height={HEIGHT * 2}
            className="waveform"
            onClick={seek}
            role="img"
            aria-label={`Waveform of ${label}: ${formatDuration(wave.seconds)}, caller above, other party below${wave.sampled ? ' (sampled)' : ''}`}
          />
          <div className="wave-legend muted">
            <span>Caller (left channel)</span>
            <span>Other party (right channel)</span>
            <span>{formatDuration(wave.seconds)}</span>
          </div>
        </>
      ) : null}
      {/* biome-ignore lint/a11y/useMediaCaption: a call recording; no transcript exists yet. */}
      <audio ref={audio} controls preload="metadata" src={url} aria-label={`Play ${label}`} />
      <a className="btn small" href={url} download>
        Download WAV
      </a>
    </div>
  );
}
