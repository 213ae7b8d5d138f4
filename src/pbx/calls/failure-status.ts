// How failures further on are told to the caller, and what they are on record as.

/**
 * What the caller is told of a failure further on: a carrier's challenge is not the caller's
 * to answer, a redirect is not followed, and our own 503 would make RFC 3263 clients think
 * we are down.
 */
export function towardCaller(status: number, reason: string): { status: number; reason: string } {
  if (status === 401 || status === 407) return { status: 403, reason: 'Forbidden by the destination' };
  if (status >= 300 && status < 400) return { status: 480, reason: 'Temporarily Unavailable' };
  if (status === 503) return { status: 480, reason: 'Temporarily Unavailable' };
  return { status, reason };
}

/** RFC 3261 §16.7 in spirit: busy beats unavailable beats the rest; 6xx wins outright. */
export function bestFailure(statuses: number[], reason: string): { status: number; reason: string } {
  const has = (s: number) => statuses.includes(s);
  const six = statuses.find((s) => s >= 600);
  if (six) return { status: six, reason };
  if (has(486)) return { status: 486, reason: 'Busy Here' };
  if (has(603)) return { status: 603, reason: 'Decline' };
  if (statuses.every((s) => s === 487)) return { status: 487, reason: 'Request Terminated' };
  if (has(480) || has(408)) return { status: 480, reason: 'Temporarily Unavailable' };
  const first = statuses.find((s) => s !== 487) ?? 480;
  return { status: first, reason };
}

/** The disposition a call that failed with this status has on record. */
export function dispositionOf(status: number): 'busy' | 'no-answer' | 'rejected' | 'failed' {
  if (status === 486 || status === 600) return 'busy';
  if (status === 480 || status === 408) return 'no-answer';
  if (status === 403 || status === 603 || status === 404 || status === 484) return 'rejected';
  return 'failed';
}
