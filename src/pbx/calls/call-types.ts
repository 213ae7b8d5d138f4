// The shapes a call is made of: who is on it, what a ring step is, what a Call needs.
import type { Logger } from 'pino';
import type { MediaEngine } from '../../media/index.ts';
import type { ServerTransaction, SipRequest, SipResponse } from '../../sip/index.ts';
import type { PbxEvents } from '../events.ts';
import type { Call } from './call.ts';
import type { CdrWriter } from './cdr-writer.ts';
import type { LegContext, OutboundLeg, OutboundLegOptions } from './legs.ts';

export type Direction = 'inbound' | 'outbound' | 'internal';

export interface Party {
  number: string;
  name: string | null;
  lineId?: string | undefined;
}

/** One attempt: ring these targets at once for so long. */
export interface RingStep {
  kind: 'line' | 'trunk' | 'sip';
  id: string;
  /** Each leg may name the line it rings (a flow's ring node rings several lines at once). */
  legs: (Omit<OutboundLegOptions, 'sdp' | 'maxForwards'> & { label?: OutboundLeg['label'] })[];
  timeoutMs: number;
  /** Played to the callee when it answers, before the caller is connected (spec 003). */
  announcement?: string | undefined;
  /** Counted against the tenant's external-call limit while it runs. */
  external?: { e164: string; release: () => void } | undefined;
  callee: Party;
  /** The party each line of a several-line step is, so the record names who answered. */
  parties?: Record<string, Party> | undefined;
  /** Why this step rings nobody (do not disturb, busy): the call fails with it, on record. */
  refusal?: { status: number; reason: string } | undefined;
  /** The caller keeps hearing what plays to it (queue music): no ringback, no early media. */
  quiet?: boolean | undefined;
  /** Told which target answered, at the moment it does (before the conversation). */
  onAnswered?: ((label: OutboundLeg['label']) => void) | undefined;
}

/**
 * The caller handed to a service of the PBX instead of ringing someone: voicemail, a
 * feature code (DND, spy, agent login). The service answers the caller if it needs to; the
 * call ends when `run` returns.
 */
export interface ServiceStep {
  service: string;
  run(call: Call): Promise<void>;
  /** Put the caller's media on this group's worker (a spy joins the spied call's mixer). */
  mediaGroup?: string | undefined;
}

/** What to do next after a step fails with a status; undefined ends the call with it. */
export type NextStep = (
  status: number,
) => Promise<RingStep | ServiceStep | { status: number; reason: string } | undefined>;

/**
 * Whatever owns dialogs and media endpoints in the engine's table: a Call, or a call
 * Switchboard places itself (a queue callback). In-dialog requests and media events reach it.
 */
export interface DialogOwner {
  inDialog(request: SipRequest, tx: ServerTransaction): Promise<void>;
  onAck(ack: SipRequest): void;
  strayResponse(r: SipResponse): void;
  playbackEnded(endpointId: string, playbackId: string, reason: string, digit?: string): void;
  dtmf(endpointId: string, digit: string): void;
  mediaTimeout(): void;
}

export interface CallDeps {
  ctx: LegContext;
  media: MediaEngine;
  events: PbxEvents;
  cdrs: CdrWriter;
  log: Logger;
  sessionExpires: number;
  country: string;
  /** The media group the call's endpoints join; the call's id unless it must share a worker. */
  mediaGroup?: string | undefined;
  /** Legs enter and leave the engine's dialog table through these. */
  track(key: string, call: DialogOwner): void;
  untrack(key: string): void;
  ended(call: Call): void;
  /** Price of the answered external part of the call, in micros. */
  charge(e164: string, billableSeconds: number): number;
}
