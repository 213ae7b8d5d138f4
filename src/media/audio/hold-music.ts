// Switchboard's built-in hold music: a short melody of our own (no recording's rights involved),
// synthesized once per worker and looped by the player. Plain sines with a soft attack and
// decay per note, so the loop sounds like a music box rather than a test tone; the notes are
// exported so tests can recognise the music in a recording.
const RATE = 8000;

/** The melody: note frequencies in Hz (a major-key phrase that resolves to its start). */
export const HOLD_MUSIC_NOTES: readonly number[] = [
  523.25, 659.25, 783.99, 659.25, 587.33, 698.46, 880.0, 698.46, 659.25, 783.99, 1046.5, 783.99, 587.33,
  493.88, 392.0, 493.88,
];
export const HOLD_MUSIC_NOTE_MS = 375;
/** About -12 dBFS at the start of a note, decaying to a third of that. */
const PEAK = 8000;

/** One pass of the melody as 8 kHz PCM (6 s); the player loops it. */
export function renderHoldMusic(): Int16Array {
  const noteSamples = Math.round((HOLD_MUSIC_NOTE_MS * RATE) / 1000);
  const out = new Int16Array(noteSamples * HOLD_MUSIC_NOTES.length);
  const attack = Math.round(RATE * 0.01);
  const release = Math.round(RATE * 0.03);
  HOLD_MUSIC_NOTES.forEach((hz, n) => {
    const at = n * noteSamples;
    for (let i = 0; i < noteSamples; i++) {
      // Rise over 10 ms, decay like a struck note, fade out over the last 30 ms: no clicks.
      const rise = Math.min(1, i / attack);
      const fall = Math.min(1, (noteSamples - i) / release);
      const decay = 0.35 + 0.65 * Math.exp((-3 * i) / noteSamples);
      out[at + i] = Math.round(PEAK * rise * fall * decay * Math.sin((2 * Math.PI * hz * i) / RATE));
    }
  });
  return out;
}
