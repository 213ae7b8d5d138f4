// Which members a queue may offer a call to, beyond what its own dispatcher knows: the same
// person may be rung by another queue, be on a call of their own, or have no phone to ring.
import type { Call } from '../calls/call.ts';
import type { Directory } from '../directory.ts';
import type { LocationService } from '../location.ts';
import type { QueueDispatcher } from './dispatcher.ts';
import type { QueueConfig } from './queue-config.ts';

export interface QueueAgents {
  config: QueueConfig;
  dispatcher: QueueDispatcher;
  /** Live callers waiting in the queue, by call id. */
  waiters: Map<string, unknown>;
}

export interface Availability {
  queues: Iterable<QueueAgents>;
  /** Agents whose phones ring for a live call or a callback of ours now. */
  ringing: ReadonlyMap<string, number>;
  /** Lines busy for another reason we know (a person being called back). */
  busyLines: Iterable<string>;
  /** The company's live calls. */
  calls: readonly Call[];
  directory: Directory;
  location: LocationService;
}

/**
 * Marks each member busy or not for each dispatcher: busy while its phone rings for another
 * call of ours, while another queue holds it (ringing, talking, wrap-up), while one of its
 * lines is on a call outside the queues, or while none of its lines can be reached (no phone
 * registered, or do not disturb). A queue then never rings a phone that cannot take the call.
 */
export function markBusy(a: Availability): void {
  const queues = [...a.queues];
  const waiting = new Set<string>();
  for (const q of queues) for (const id of q.waiters.keys()) waiting.add(id);
  const busyLines = new Set<string>(a.busyLines);
  for (const c of a.calls) {
    if (c.caller.lineId) busyLines.add(c.caller.lineId);
    // A waiting caller's call names the agent it rang last as its callee: not a busy line.
    if (c.calleeLineId && !waiting.has(c.id)) busyLines.add(c.calleeLineId);
  }
  const heldBy = new Map<string, QueueAgents[]>();
  for (const q of queues) {
    for (const m of q.config.members) {
      if (!q.dispatcher.occupies(m.agentId)) continue;
      heldBy.set(m.agentId, [...(heldBy.get(m.agentId) ?? []), q]);
    }
  }
  const { directory, location } = a;
  for (const q of queues) {
    for (const m of q.config.members) {
      const lines = m.lineId ? [m.lineId] : directory.personLines(m.personId as string).map((l) => l.id);
      const reachable = lines.some(
        (l) => location.bindings(l).length > 0 && !directory.line(l)?.doNotDisturb,
      );
      const busy =
        a.ringing.has(m.agentId) ||
        (heldBy.get(m.agentId) ?? []).some((other) => other !== q) ||
        lines.some((l) => busyLines.has(l)) ||
        !reachable;
      q.dispatcher.setBusyElsewhere(m.agentId, busy);
    }
  }
}

/** One more ring (or call) counted against a key. */
export function mark(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** One ring (or call) fewer; the key goes at zero. */
export function unmark(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 0) - 1;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
