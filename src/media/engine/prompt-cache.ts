// Prompts decoded to 8 kHz PCM once per worker and kept in a byte-bounded LRU cache keyed by
// what defines them: a file (path, size and mtime), a TTS request (text, language, voice), a tone.
import { readFile, stat } from 'node:fs/promises';
import { renderHoldMusic } from '../audio/hold-music.ts';
import { renderDtmf, renderTone, toneFor } from '../audio/tones.ts';
import { synthesizeSpeech } from '../audio/tts.ts';
import { decodeAudioFile } from '../audio/upload.ts';
import { isDtmfDigit } from '../dtmf/telephone-event.ts';
import { MediaError } from '../errors.ts';
import type { PromptSource } from './protocol.ts';

const MAX_PROMPT_FILE = 50 * 1024 * 1024;

export class PromptCache {
  private readonly entries = new Map<string, Promise<Int16Array>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly maxBytes = 128 * 1024 * 1024) {}

  async load(source: PromptSource): Promise<Int16Array> {
    const key = await this.keyOf(source);
    const hit = this.entries.get(key);
    if (hit) {
      // Refresh the LRU position.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const pending = render(source);
    this.entries.set(key, pending);
    try {
      const pcm = await pending;
      this.sizes.set(key, pcm.byteLength);
      this.bytes += pcm.byteLength;
      this.evict();
      return pcm;
    } catch (e) {
      this.entries.delete(key);
      throw e;
    }
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      const size = this.sizes.get(key);
      if (size === undefined) continue; // still rendering
      this.entries.delete(key);
      this.sizes.delete(key);
      this.bytes -= size;
    }
  }

  private async keyOf(source: PromptSource): Promise<string> {
    if (source.kind === 'file') {
      const s = await stat(source.path).catch(() => {
        throw new MediaError('NOT_FOUND', `no prompt file ${source.path}`);
      });
      if (s.size > MAX_PROMPT_FILE) throw new MediaError('AUDIO_TOO_LARGE', `prompt file of ${s.size} bytes`);
      return `file\0${source.path}\0${s.size}\0${s.mtimeMs}`;
    }
    return JSON.stringify(source);
  }
}

async function render(source: PromptSource): Promise<Int16Array> {
  switch (source.kind) {
    case 'file': {
      const bytes = await readFile(source.path);
      return (await decodeAudioFile(bytes, { maxBytes: MAX_PROMPT_FILE, maxDurationMs: 60 * 60_000 })).pcm;
    }
    case 'tone':
      return renderTone(toneFor(source.tone, source.country));
    case 'custom-tone':
      return renderTone(
        { frequencies: source.frequencies, cadence: source.cadence ?? [] },
        source.durationMs ?? 1000,
      );
    case 'tts':
      return synthesizeSpeech(source);
    case 'silence':
      if (!(source.durationMs > 0 && source.durationMs <= 600_000))
        throw new MediaError('INVALID_ARGUMENT', 'bad silence');
      return new Int16Array(Math.round(source.durationMs * 8));
    case 'music':
      return renderHoldMusic();
    case 'dtmf': {
      const digits = [...source.digits.toUpperCase()];
      if (digits.length === 0 || digits.length > 64 || !digits.every(isDtmfDigit)) {
        throw new MediaError('INVALID_ARGUMENT', `bad DTMF digits ${source.digits}`);
      }
      return renderDtmf(digits);
    }
  }
}
