// The file a delivery sends: its name, and its bytes (the stereo WAV as recorded, or an MP3
// of it). A recording going to several methods is read and encoded once: the last few files
// made are kept while their deliveries run.
import { readFile } from 'node:fs/promises';
import { encodeWavToMp3 } from '../../media/index.ts';
import type { DeliveryFormat } from '../../store/schema.ts';
import { recordingFile } from './paths.ts';

/** What naming and reading a recording's file needs of its row. */
export interface DeliveredRecording {
  id: string;
  path: string;
  callerNumber: string;
  calleeNumber: string;
  startedAt: Date;
  durationMs: number | null;
}

/** The recording's file is gone (deleted through the API or by retention, or lost). */
export class RecordingGone extends Error {
  override readonly name = 'RecordingGone';
  constructor() {
    super('recording deleted');
  }
}

/** A number as a file name part: digits, letters and +, at most 32; "unknown" if none is left. */
function namePart(number: string): string {
  return number.replace(/[^0-9A-Za-z+]/g, '').slice(0, 32) || 'unknown';
}

/**
 * `recording-2026-11-21T101500Z-<caller>-<callee>-<id8>.mp3`: sortable by time, readable,
 * safe on any server. id8 is the id's last 8 hex digits, its random part: the first ones of
 * a UUIDv7 are its time, the same for recordings started in the same minute.
 */
export function deliveryFileName(r: DeliveredRecording, format: DeliveryFormat): string {
  const stamp = r.startedAt
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '');
  const id8 = r.id.replace(/-/g, '').slice(-8);
  return `recording-${stamp}-${namePart(r.callerNumber)}-${namePart(r.calleeNumber)}-${id8}.${format}`;
}

export const CONTENT_TYPES: Record<DeliveryFormat, string> = { mp3: 'audio/mpeg', wav: 'audio/wav' };

/** How many files are kept for deliveries of the same recording (one per running delivery). */
const KEPT = 2;

export class DeliveryFiles {
  readonly #dataDir: string;
  readonly #kept = new Map<string, Promise<Buffer>>();

  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  /** The recording's bytes in the format; RecordingGone when its file no longer exists. */
  get(r: DeliveredRecording, format: DeliveryFormat): Promise<Buffer> {
    const key = `${r.id}.${format}`;
    const hit = this.#kept.get(key);
    if (hit) return hit;
    const made = this.#make(r, format);
    this.#kept.set(key, made);
    made.catch(() => this.#kept.delete(key));
    while (this.#kept.size > KEPT) {
      const oldest = this.#kept.keys().next().value;
      if (oldest === undefined) break;
      this.#kept.delete(oldest);
    }
    return made;
  }

  /** Forgets every file (nothing is being sent). */
  clear(): void {
    this.#kept.clear();
  }

  /** Forgets the recording's files (its deliveries are done). */
  forget(recordingId: string): void {
    for (const key of [...this.#kept.keys()]) if (key.startsWith(`${recordingId}.`)) this.#kept.delete(key);
  }

  async #make(r: DeliveredRecording, format: DeliveryFormat): Promise<Buffer> {
    const file = recordingFile(this.#dataDir, r.path);
    if (!file) throw new RecordingGone();
    let wav: Buffer;
    try {
      wav = await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new RecordingGone();
      throw e;
    }
    // The encoder works in slices of about a second: the event loop is never held long.
    return format === 'wav' ? wav : encodeWavToMp3(wav);
  }
}
