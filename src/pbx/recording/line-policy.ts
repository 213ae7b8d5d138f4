// Which answered calls a line's recording settings ask for (spec 001/003 "Call Recording":
// inbound/outbound × internal/external). The caller's line judges the call as outbound, the
// callee's line as inbound; either one asking is enough.
import type { LineRecording } from '../../store/schema.ts';
import type { Direction } from '../calls/call-types.ts';

/** What the policy reads of a call: its direction and the lines at each end, if any. */
export interface PolicyCall {
  direction: Direction;
  /** Recording settings of the line that placed the call (none for a carrier's caller). */
  callerLine: LineRecording | undefined;
  /** Recording settings of the line that took the call (none when a carrier took it). */
  calleeLine: LineRecording | undefined;
}

/**
 * Whether the call is recorded by line policy, and whose setting asked for it.
 * - internal (line to line): caller's `outboundInternal`, callee's `inboundInternal`;
 * - outbound (line to the phone network): caller's `outboundExternal`;
 * - inbound (the phone network to a line): callee's `inboundExternal`.
 */
export function linePolicy(c: PolicyCall): 'caller' | 'callee' | undefined {
  const external = c.direction !== 'internal';
  if (c.direction !== 'inbound' && c.callerLine) {
    if (external ? c.callerLine.outboundExternal : c.callerLine.outboundInternal) return 'caller';
  }
  if (c.direction !== 'outbound' && c.calleeLine) {
    if (external ? c.calleeLine.inboundExternal : c.calleeLine.inboundInternal) return 'callee';
  }
  return undefined;
}
