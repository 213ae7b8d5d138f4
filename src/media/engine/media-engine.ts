// The media layer's control surface on the main thread. It owns N media workers (one per
// core by default) and the RTP port pool; every endpoint, conference and recording lives
// on one worker, chosen by its `group` so that what must mix or bridge shares a thread.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { MediaError, type MediaErrorCode } from '../errors.ts';
import type { NegotiatedAudio } from '../sdp/offer-answer.ts';
import { PortPool } from './port-pool.ts';
import type {
  ConferenceRole,
  DtmfMode,
  EndpointId,
  EndpointOptions,
  EndpointStats,
  FromWorker,
  MediaEvent,
  PlayOptions,
  PromptSource,
  RecordingOptions,
  ToWorker,
  WorkerLoad,
  WorkerRequest,
} from './protocol.ts';
import { startWorker } from './worker-loader.ts';

export interface MediaEngineOptions {
  /** Address the RTP sockets bind to and that SDP advertises unless `publicAddress` is set. */
  readonly bindAddress?: string;
  /** The address peers should send to (the host's public address behind 1:1 NAT). */
  readonly publicAddress?: string;
  readonly portMin?: number;
  readonly portMax?: number;
  readonly workers?: number;
  readonly onEvent?: (event: MediaEvent) => void;
}

export interface AllocatedEndpoint {
  readonly id: EndpointId;
  /** Put these in the SDP (c= and m=). */
  readonly address: string;
  readonly port: number;
}

interface WorkerSlot {
  readonly worker: Worker;
  load: number;
}

const BIND_ATTEMPTS = 64;
export class MediaEngine {
  private readonly slots: WorkerSlot[] = [];
  private readonly pool: PortPool;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly endpoints = new Map<EndpointId, { slot: WorkerSlot; port: number; group: string }>();
  private readonly groups = new Map<string, { slot: WorkerSlot; refs: number }>();
  private readonly conferences = new Map<string, { slot: WorkerSlot; group: string }>();
  private readonly recordings = new Map<string, WorkerSlot>();
  private seq = 0;
  private ids = 0;
  private stopped = false;
  onEvent: (event: MediaEvent) => void;

  constructor(private readonly options: MediaEngineOptions = {}) {
    this.pool = new PortPool(options.portMin ?? 20000, options.portMax ?? 30000);
    this.onEvent = options.onEvent ?? (() => {});
    const count = Math.max(1, options.workers ?? availableParallelism());
    for (let i = 0; i < count; i++) {
      const worker = startWorker('../worker', import.meta.url);
      const slot: WorkerSlot = { worker, load: 0 };
      worker.on('message', (m: FromWorker) => this.onMessage(m));
      worker.on('error', (e) => this.failAll(e));
      worker.unref();
      this.slots.push(slot);
    }
  }

  private onMessage(m: FromWorker): void {
    if (m.kind === 'event') {
      this.onEvent(m.event);
      return;
    }
    const p = this.pending.get(m.seq);
    if (!p) return;
    this.pending.delete(m.seq);
    if (m.ok) p.resolve(m.value);
    else p.reject(new MediaError(m.code as MediaErrorCode, m.message));
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private call<T>(slot: WorkerSlot, request: WorkerRequest): Promise<T> {
    if (this.stopped) return Promise.reject(new MediaError('ENGINE_STOPPED', 'media engine stopped'));
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.size === 1) slot.worker.ref();
      slot.worker.postMessage({ seq, request } satisfies ToWorker);
    }).finally(() => {
      if (this.pending.size === 0) for (const s of this.slots) s.worker.unref();
    });
  }

  private slotOf(id: EndpointId) {
    const e = this.endpoints.get(id);
    if (!e) throw new MediaError('NOT_FOUND', `no endpoint ${id}`);
    return e;
  }

  private sameWorker(ids: EndpointId[]): WorkerSlot {
    const slots = new Set(ids.map((id) => this.slotOf(id).slot));
    const [slot] = slots;
    if (slots.size !== 1 || !slot) {
      throw new MediaError(
        'WRONG_WORKER',
        'endpoints are on different media workers: allocate them in one group',
      );
    }
    return slot;
  }

  private acquireGroup(group: string): WorkerSlot {
    const g = this.groups.get(group);
    if (g) {
      g.refs++;
      return g.slot;
    }
    const slot = this.slots.reduce((a, b) => (b.load < a.load ? b : a));
    this.groups.set(group, { slot, refs: 1 });
    return slot;
  }

  private releaseGroup(group: string): void {
    const g = this.groups.get(group);
    if (g && --g.refs <= 0) this.groups.delete(group);
  }

  /**
   * Opens an RTP endpoint on a free port pair. Endpoints (and conferences) that will be
   * bridged or mixed together must share a `group` (for instance the call's id).
   */
  async allocateEndpoint(opts: { group?: string } & EndpointOptions = {}): Promise<AllocatedEndpoint> {
    const id = `ep${++this.ids}`;
    const group = opts.group ?? id;
    const slot = this.acquireGroup(group);
    const bind = this.options.bindAddress ?? '127.0.0.1';
    const endpointOptions: EndpointOptions = {
      ...(opts.inactivityMs !== undefined ? { inactivityMs: opts.inactivityMs } : {}),
      ...(opts.dtmf ? { dtmf: opts.dtmf } : {}),
      ...(opts.rtcpIntervalMs ? { rtcpIntervalMs: opts.rtcpIntervalMs } : {}),
    };
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      let port: number;
      try {
        port = this.pool.allocate();
      } catch (e) {
        this.releaseGroup(group);
        throw e;
      }
      try {
        await this.call(slot, { op: 'open', id, address: bind, port, options: endpointOptions });
        slot.load++;
        this.endpoints.set(id, { slot, port, group });
        return { id, address: this.options.publicAddress ?? bind, port };
      } catch (e) {
        // Another process holds the port: leave it marked used and try the next pair.
        if (!(e instanceof MediaError && e.code === 'PORTS_EXHAUSTED')) {
          this.pool.release(port);
          this.releaseGroup(group);
          throw e;
        }
      }
    }
    this.releaseGroup(group);
    throw new MediaError('PORTS_EXHAUSTED', 'no bindable RTP port found');
  }

  /** Applies the outcome of offer/answer (createAnswer or applyAnswer) to an endpoint. */
  async configureEndpoint(id: EndpointId, media: NegotiatedAudio): Promise<void> {
    return this.call(this.slotOf(id).slot, { op: 'configure', id, media });
  }

  /**
   * Changes how an endpoint detects digits, e.g. 'both' while the controller listens for
   * in-call codes on a bridged leg without telephone-event, then 'auto' again.
   */
  async setDtmfMode(id: EndpointId, mode: DtmfMode): Promise<void> {
    return this.call(this.slotOf(id).slot, { op: 'set-dtmf', id, mode });
  }

  async releaseEndpoint(id: EndpointId): Promise<void> {
    const e = this.endpoints.get(id);
    if (!e) return;
    await this.call(e.slot, { op: 'close', id });
    this.endpoints.delete(id);
    e.slot.load--;
    this.pool.release(e.port);
    this.releaseGroup(e.group);
  }

  /** What one endpoint receives, the other sends: passthrough, or µ-law/A-law transcoding. */
  async bridge(a: EndpointId, b: EndpointId): Promise<void> {
    return this.call(this.sameWorker([a, b]), { op: 'bridge', a, b });
  }

  async unbridge(id: EndpointId): Promise<void> {
    return this.call(this.slotOf(id).slot, { op: 'unbridge', id });
  }

  /** Plays a prompt to the endpoint (it overrides a bridge or conference while it plays). */
  async play(id: EndpointId, source: PromptSource, options: PlayOptions = {}): Promise<string> {
    const playbackId = `pb${++this.ids}`;
    await this.call(this.slotOf(id).slot, { op: 'play', id, playbackId, source, options });
    return playbackId;
  }

  async stopPlayback(id: EndpointId): Promise<void> {
    return this.call(this.slotOf(id).slot, { op: 'stop-playback', id });
  }

  async sendDtmf(
    id: EndpointId,
    digits: string,
    opts: { durationMs?: number; method?: 'rfc4733' | 'inband' } = {},
  ) {
    const request = {
      op: 'send-dtmf',
      id,
      digits,
      durationMs: opts.durationMs ?? 100,
      method: opts.method ?? 'rfc4733',
    } as const;
    return this.call<void>(this.slotOf(id).slot, request);
  }

  async startRecording(options: RecordingOptions): Promise<string> {
    const slot = this.sameWorker(options.right ? [options.left, options.right] : [options.left]);
    const recordingId = `rec${++this.ids}`;
    await this.call(slot, { op: 'record', recordingId, options });
    this.recordings.set(recordingId, slot);
    return recordingId;
  }

  async stopRecording(recordingId: string): Promise<void> {
    const slot = this.recordings.get(recordingId);
    if (!slot) throw new MediaError('NOT_FOUND', `no recording ${recordingId}`);
    this.recordings.delete(recordingId);
    await this.call(slot, { op: 'stop-recording', recordingId });
  }

  /** A mixer on the worker of `group`; its members must be endpoints of that group. */
  async createConference(group: string): Promise<string> {
    const conferenceId = `conf${++this.ids}`;
    const slot = this.acquireGroup(group);
    await this.call(slot, { op: 'conference-create', conferenceId });
    this.conferences.set(conferenceId, { slot, group });
    return conferenceId;
  }

  /**
   * Adds an endpoint to a conference (taking it out of any bridge), or changes its role:
   * 'listen' hears all and is heard by none, 'whisper' is heard by `target` only, 'barge'
   * and 'participant' are heard by all.
   */
  async joinConference(
    conferenceId: string,
    id: EndpointId,
    role: ConferenceRole = 'participant',
    target?: EndpointId,
  ) {
    const c = this.conferences.get(conferenceId);
    if (!c) throw new MediaError('NOT_FOUND', `no conference ${conferenceId}`);
    if (role === 'whisper' && !target) throw new MediaError('INVALID_ARGUMENT', 'whisper needs a target');
    if (this.sameWorker(target ? [id, target] : [id]) !== c.slot) {
      throw new MediaError('WRONG_WORKER', 'endpoint is not in the conference group');
    }
    return this.call<void>(c.slot, {
      op: 'conference-join',
      conferenceId,
      id,
      role,
      ...(target ? { target } : {}),
    });
  }

  async leaveConference(conferenceId: string, id: EndpointId): Promise<void> {
    const c = this.conferences.get(conferenceId);
    if (!c) throw new MediaError('NOT_FOUND', `no conference ${conferenceId}`);
    return this.call(c.slot, { op: 'conference-leave', conferenceId, id });
  }

  async destroyConference(conferenceId: string): Promise<void> {
    const c = this.conferences.get(conferenceId);
    if (!c) return;
    await this.call(c.slot, { op: 'conference-destroy', conferenceId });
    this.conferences.delete(conferenceId);
    this.releaseGroup(c.group);
  }

  /** RTP/RTCP statistics of an endpoint (RFC 3550 loss and jitter, both directions). */
  async stats(id: EndpointId): Promise<EndpointStats> {
    return this.call(this.slotOf(id).slot, { op: 'stats', id });
  }

  /** Per worker: endpoints, clock ticks, the CPU time spent in ticks and clock lateness. */
  async load(): Promise<WorkerLoad[]> {
    return Promise.all(this.slots.map((s) => this.call<WorkerLoad>(s, { op: 'load' })));
  }

  /** Closes every endpoint (RTCP BYE) and stops the workers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    for (const id of [...this.endpoints.keys()]) await this.releaseEndpoint(id).catch(() => {});
    this.stopped = true;
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.worker.once('exit', () => resolve());
            s.worker.postMessage('shutdown');
            setTimeout(() => void s.worker.terminate(), 2000).unref();
          }),
      ),
    );
  }
}
