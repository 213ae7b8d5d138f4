// The typed messages that cross the MessagePort between the MediaEngine (main thread) and a
// media worker. Audio never crosses it: only control, events and statistics.

import type { ToneName } from '../audio/tones.ts';
import type { DtmfDigit } from '../dtmf/telephone-event.ts';
import type { NegotiatedAudio } from '../sdp/offer-answer.ts';

export type EndpointId = string;

export type PromptSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'tone'; readonly tone: ToneName; readonly country?: string }
  | {
      readonly kind: 'custom-tone';
      readonly frequencies: readonly number[];
      readonly cadence?: readonly number[];
      readonly durationMs?: number;
    }
  | { readonly kind: 'tts'; readonly text: string; readonly language: string; readonly voice?: string }
  | { readonly kind: 'silence'; readonly durationMs: number }
  | { readonly kind: 'dtmf'; readonly digits: string }
  /** The built-in hold music (src/media/audio/hold-music.ts), for whoever has no music of its own. */
  | { readonly kind: 'music' };

export interface PlayOptions {
  /** Start again at the end (hold music, ringback) until stopped. */
  readonly loop?: boolean;
  /** Barge-in: a DTMF digit from the endpoint stops the prompt. */
  readonly stopOnDtmf?: boolean;
}

/**
 * How digits are detected: RFC 4733 only, in-band only, both, or 'auto': RFC 4733, and in-band
 * when no telephone-event was negotiated and the endpoint is not in a passthrough bridge (or a
 * prompt with stopOnDtmf plays to it). In-band detection decodes every packet it sees.
 */
export type DtmfMode = 'auto' | 'rfc4733' | 'inband' | 'both';

export interface EndpointOptions {
  /** Report dead media after this long without RTP while we expect to receive (0: never). */
  readonly inactivityMs?: number;
  /** How digits are detected (default 'auto'); MediaEngine.setDtmfMode changes it later. */
  readonly dtmf?: DtmfMode;
  /** Mean RTCP report interval (RFC 3550 §6.2 recommends 5 s; at least 500 ms is accepted). */
  readonly rtcpIntervalMs?: number;
}

export type ConferenceRole = 'participant' | 'listen' | 'whisper' | 'barge';

export interface RecordingOptions {
  /** WAV file to write (16-bit PCM, 8 kHz). */
  readonly path: string;
  /** Left channel in stereo (the caller); the only source of a mono recording unless `right` is set. */
  readonly left: EndpointId;
  /** Right channel in stereo (the agent); mixed into the single channel in mono. */
  readonly right?: EndpointId;
  readonly channels: 1 | 2;
  readonly maxDurationMs?: number;
}

export interface EndpointStats {
  readonly packetsSent: number;
  readonly octetsSent: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly jitterMs: number;
  readonly latched?: { readonly address: string; readonly port: number };
  /** What the peer last told us in an RTCP report about our stream. */
  readonly remoteReport?: {
    readonly fractionLost: number;
    readonly cumulativeLost: number;
    readonly jitterMs: number;
  };
  readonly rejectedPackets: number;
}

export type MediaEvent =
  | {
      readonly type: 'dtmf';
      readonly endpointId: EndpointId;
      readonly digit: DtmfDigit;
      readonly method: 'rfc4733' | 'inband';
    }
  | {
      readonly type: 'playback-ended';
      readonly endpointId: EndpointId;
      readonly playbackId: string;
      readonly reason: 'completed' | 'dtmf' | 'stopped' | 'replaced' | 'error';
      readonly digit?: DtmfDigit;
      readonly error?: string;
    }
  | { readonly type: 'media-timeout'; readonly endpointId: EndpointId; readonly silentForMs: number }
  | {
      readonly type: 'latched';
      readonly endpointId: EndpointId;
      readonly address: string;
      readonly port: number;
    }
  | {
      readonly type: 'recording-ended';
      readonly recordingId: string;
      readonly path: string;
      readonly durationMs: number;
      readonly reason: 'stopped' | 'max-duration' | 'endpoint-released' | 'error';
      readonly error?: string;
    };

/** Requests, each answered by a WorkerReply with the same id. */
export type WorkerRequest =
  | {
      readonly op: 'open';
      readonly id: EndpointId;
      readonly address: string;
      readonly port: number;
      readonly options: EndpointOptions;
    }
  | { readonly op: 'configure'; readonly id: EndpointId; readonly media: NegotiatedAudio }
  | { readonly op: 'close'; readonly id: EndpointId }
  | { readonly op: 'set-dtmf'; readonly id: EndpointId; readonly mode: DtmfMode }
  | { readonly op: 'bridge'; readonly a: EndpointId; readonly b: EndpointId }
  | { readonly op: 'unbridge'; readonly id: EndpointId }
  | {
      readonly op: 'play';
      readonly id: EndpointId;
      readonly playbackId: string;
      readonly source: PromptSource;
      readonly options: PlayOptions;
    }
  | { readonly op: 'stop-playback'; readonly id: EndpointId }
  | {
      readonly op: 'send-dtmf';
      readonly id: EndpointId;
      readonly digits: string;
      readonly durationMs: number;
      readonly method: 'rfc4733' | 'inband';
    }
  | { readonly op: 'record'; readonly recordingId: string; readonly options: RecordingOptions }
  | { readonly op: 'stop-recording'; readonly recordingId: string }
  | { readonly op: 'conference-create'; readonly conferenceId: string }
  | {
      readonly op: 'conference-join';
      readonly conferenceId: string;
      readonly id: EndpointId;
      readonly role: ConferenceRole;
      readonly target?: EndpointId;
    }
  | { readonly op: 'conference-leave'; readonly conferenceId: string; readonly id: EndpointId }
  | { readonly op: 'conference-destroy'; readonly conferenceId: string }
  | { readonly op: 'stats'; readonly id: EndpointId }
  | { readonly op: 'load'; readonly detail?: boolean };

/** What `MediaEngine.load()` reports per worker; the max and late figures cover the time since the previous call. */
export interface WorkerLoad {
  readonly endpoints: number;
  readonly ticks: number;
  /** Time spent inside clock ticks since the worker started. */
  readonly tickCpuMs: number;
  /** The longest tick (sending every stream's frame, mixing, recording). */
  readonly maxTickMs: number;
  /** How late the clock's timer fired at worst (event loop stalls, GC, an overloaded host). */
  readonly maxLateMs: number;
  /** Ticks that fired more than 5 ms late. */
  readonly lateTicks: number;
}

export type ToWorker = { readonly seq: number; readonly request: WorkerRequest };

export type FromWorker =
  | { readonly kind: 'reply'; readonly seq: number; readonly ok: true; readonly value?: unknown }
  | {
      readonly kind: 'reply';
      readonly seq: number;
      readonly ok: false;
      readonly code: string;
      readonly message: string;
    }
  | { readonly kind: 'event'; readonly event: MediaEvent };
