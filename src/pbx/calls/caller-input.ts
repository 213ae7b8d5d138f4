// What the caller does while a flow talks to it: the keys it presses (kept for whoever reads
// next, type-ahead included) and the end of each prompt played to it. Media events arrive
// here; the flow waits here.
export interface PlaybackEnd {
  reason: string;
  digit?: string | undefined;
}

const MAX_KEYS = 32;
const MAX_UNCLAIMED = 8;

export class CallerInput {
  #keys: string[] = [];
  #keyWaiter: ((key: string | undefined) => void) | undefined;
  #playbacks = new Map<string, (end: PlaybackEnd) => void>();
  /** Ends that came before anyone waited for them (a short prompt racing its own start). */
  #unclaimed = new Map<string, PlaybackEnd>();
  #closed = false;

  /** A key pressed: handed to whoever waits, else kept (bounded). */
  key(key: string): void {
    if (this.#keyWaiter) this.#keyWaiter(key);
    else if (this.#keys.length < MAX_KEYS) this.#keys.push(key);
  }

  /** A key pressed before anyone asked, if any. */
  takeKey(): string | undefined {
    return this.#keys.shift();
  }

  /** The next key, or undefined after `timeoutMs` without one or once `signal` aborts. */
  nextKey(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const kept = this.#keys.shift();
    if (kept !== undefined || this.#closed || signal?.aborted) return Promise.resolve(kept);
    return new Promise((resolve) => {
      const done = (k: string | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.#keyWaiter === waiter) this.#keyWaiter = undefined;
        resolve(k);
      };
      const onAbort = () => done(undefined);
      const timer = setTimeout(onAbort, timeoutMs);
      timer.unref();
      const waiter = (k: string | undefined) => done(k);
      this.#keyWaiter = waiter;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Waits for a playback to end. A barge-in key that stopped it is not kept for later. */
  async playbackEnd(playbackId: string): Promise<PlaybackEnd> {
    const early = this.#unclaimed.get(playbackId);
    this.#unclaimed.delete(playbackId);
    const end =
      early ?? (await new Promise<PlaybackEnd>((resolve) => this.#playbacks.set(playbackId, resolve)));
    if (end.reason === 'dtmf' && end.digit !== undefined) {
      const i = this.#keys.indexOf(end.digit);
      if (i >= 0) this.#keys.splice(i, 1);
    }
    return end;
  }

  /** A playback ended; false when it is none of ours (someone else's prompt). */
  playbackEnded(playbackId: string, end: PlaybackEnd, ours: boolean): boolean {
    const waiter = this.#playbacks.get(playbackId);
    if (waiter) {
      this.#playbacks.delete(playbackId);
      waiter(end);
      return true;
    }
    if (!ours) return false;
    this.#unclaimed.set(playbackId, end);
    if (this.#unclaimed.size > MAX_UNCLAIMED)
      this.#unclaimed.delete(this.#unclaimed.keys().next().value as string);
    return true;
  }

  /** The call ended: everyone waiting is released. */
  close(): void {
    this.#closed = true;
    this.#keyWaiter?.(undefined);
    for (const done of this.#playbacks.values()) done({ reason: 'stopped' });
    this.#playbacks.clear();
  }
}
