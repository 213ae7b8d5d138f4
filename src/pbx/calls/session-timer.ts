// RFC 4028 session timers for one leg: either we refresh (at half the interval, §10) or we
// watch for the peer's refresh and end the session when none comes in time (§10: at
// interval − min(32, interval/3) seconds).
export class SessionTimer {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly seconds: number,
    readonly role: 'refresh' | 'watch',
    private readonly onRefresh: () => void,
    private readonly onExpire: () => void,
    /** Which leg of the call this timer is for. */
    readonly side: 'a' | 'b' = 'a',
  ) {
    this.reset();
  }

  /** A refresh happened (ours answered, or theirs arrived): start the interval again. */
  reset(): void {
    clearTimeout(this.#timer);
    const ms =
      this.role === 'refresh'
        ? (this.seconds * 1000) / 2
        : (this.seconds - Math.min(32, this.seconds / 3)) * 1000;
    this.#timer = setTimeout(() => (this.role === 'refresh' ? this.onRefresh() : this.onExpire()), ms);
    this.#timer.unref();
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }
}

export const MIN_SE = 90;

/**
 * Session-Expires of a request or response: the interval and who refreshes, if present. A
 * malformed header from a peer counts as absent; it must never break the call.
 */
export function sessionExpiresOf(m: {
  readonly sessionExpires: { value: string; params: ReadonlyMap<string, string | null> } | undefined;
}): { seconds: number; refresher: 'uac' | 'uas' | undefined } | undefined {
  let se: { value: string; params: ReadonlyMap<string, string | null> } | undefined;
  try {
    se = m.sessionExpires;
  } catch {
    return undefined;
  }
  if (!se) return undefined;
  const seconds = Number(se.value);
  if (!Number.isInteger(seconds) || seconds <= 0) return undefined;
  const r = se.params.get('refresher');
  return { seconds, refresher: r === 'uac' || r === 'uas' ? r : undefined };
}

/** Whether a message lists an option tag in Supported; a malformed list supports nothing. */
export function supports(m: { readonly supported: string[] }, tag: string): boolean {
  try {
    return m.supported.includes(tag);
  } catch {
    return false;
  }
}
