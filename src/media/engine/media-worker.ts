// Everything one media worker owns: its endpoints, bridges, players, recorders and mixers,
// all driven by one drift-corrected 20 ms clock. Requests arrive as typed messages.
import { type DtmfDigit, isDtmfDigit, TelephoneEventEncoder } from '../dtmf/telephone-event.ts';
import { MediaError } from '../errors.ts';
import { ConferenceMixer } from './conference-mixer.ts';
import { MediaClock, SLOTS } from './media-clock.ts';
import { Player } from './player.ts';
import { PromptCache } from './prompt-cache.ts';
import type {
  EndpointId,
  MediaEvent,
  PlayOptions,
  PromptSource,
  WorkerLoad,
  WorkerRequest,
} from './protocol.ts';
import { Recorder } from './recorder.ts';
import { RtpSession } from './rtp-session.ts';

const HOUSEKEEPING_TICKS = 25;

export class MediaWorker {
  private readonly sessions = new Map<EndpointId, RtpSession>();
  private readonly players = new Map<RtpSession, Player>();
  /** Players by the slot of the frame they send in: the least used slot takes the next one. */
  private readonly phases = Array.from({ length: SLOTS }, () => new Map<RtpSession, Player>());
  private readonly recorders = new Map<string, Recorder>();
  private readonly conferences = new Map<string, ConferenceMixer>();
  private readonly prompts = new PromptCache();
  private readonly clock = new MediaClock((now, slot) => this.tick(now, slot));
  /** Endpoints sending at a ptime that is not a multiple of 20 ms: paced every 10 ms. */
  private readonly paced = new Set<RtpSession>();
  private readonly playGeneration = new Map<RtpSession, number>();
  private ticks = 0;
  private tickCpuMs = 0;
  private maxTickMs = 0;

  constructor(private readonly emit: (event: MediaEvent) => void) {}

  private session(id: EndpointId): RtpSession {
    const s = this.sessions.get(id);
    if (!s) throw new MediaError('NOT_FOUND', `no endpoint ${id} on this worker`);
    return s;
  }

  async handle(req: WorkerRequest): Promise<unknown> {
    switch (req.op) {
      case 'open': {
        const host = {
          emit: this.emit,
          onDigit: (s: RtpSession, d: DtmfDigit) => this.onDigit(s, d),
          pace: (s: RtpSession) => this.paced.add(s),
        };
        const s = new RtpSession(req.id, req.address, req.port, req.options, host);
        await s.bind();
        this.sessions.set(req.id, s);
        this.clock.begin();
        return undefined;
      }
      case 'configure':
        this.session(req.id).configure(req.media, performance.now());
        return undefined;
      case 'close':
        await this.close(req.id);
        return undefined;
      case 'set-dtmf':
        this.session(req.id).setDtmfMode(req.mode);
        return undefined;
      case 'bridge': {
        const a = this.session(req.a);
        const b = this.session(req.b);
        if (a === b) throw new MediaError('INVALID_ARGUMENT', 'cannot bridge an endpoint to itself');
        this.unbridge(a);
        this.unbridge(b);
        a.peer = b;
        b.peer = a;
        return undefined;
      }
      case 'unbridge':
        this.unbridge(this.session(req.id));
        return undefined;
      case 'play':
        return this.play(this.session(req.id), req.playbackId, req.source, req.options);
      case 'stop-playback':
        this.stopPlayer(this.session(req.id), 'stopped');
        return undefined;
      case 'send-dtmf':
        return this.sendDtmf(this.session(req.id), req.digits, req.durationMs, req.method);
      case 'record': {
        if (this.recorders.has(req.recordingId))
          throw new MediaError('INVALID_ARGUMENT', 'recording id in use');
        const o = req.options;
        const rec = new Recorder(
          req.recordingId,
          o,
          this.session(o.left),
          o.right ? this.session(o.right) : undefined,
        );
        await rec.open();
        this.recorders.set(req.recordingId, rec);
        return undefined;
      }
      case 'stop-recording':
        await this.endRecording(req.recordingId, 'stopped');
        return undefined;
      case 'conference-create':
        if (!this.conferences.has(req.conferenceId)) {
          this.conferences.set(req.conferenceId, new ConferenceMixer(req.conferenceId));
        }
        return undefined;
      case 'conference-join': {
        const mixer = this.conference(req.conferenceId);
        const s = this.session(req.id);
        // A member's audio goes through the mixer only: a bridge would deliver it twice.
        this.unbridge(s);
        for (const other of this.conferences.values()) if (other !== mixer) other.leave(s);
        mixer.join(s, req.role, req.target ? this.session(req.target) : undefined);
        return undefined;
      }
      case 'conference-leave':
        this.conference(req.conferenceId).leave(this.session(req.id));
        return undefined;
      case 'conference-destroy':
        this.conferences.get(req.conferenceId)?.dispose();
        this.conferences.delete(req.conferenceId);
        return undefined;
      case 'stats':
        return this.session(req.id).snapshot();
      case 'load': {
        const { maxLateMs, lateTicks } = this.clock.takeLateness();
        const maxTickMs = this.maxTickMs;
        this.maxTickMs = 0;
        return {
          endpoints: this.sessions.size,
          ticks: this.ticks,
          tickCpuMs: this.tickCpuMs,
          maxTickMs,
          maxLateMs,
          lateTicks,
        } satisfies WorkerLoad;
      }
    }
  }

  private conference(id: string): ConferenceMixer {
    const c = this.conferences.get(id);
    if (!c) throw new MediaError('NOT_FOUND', `no conference ${id} on this worker`);
    return c;
  }

  private unbridge(s: RtpSession): void {
    if (s.peer) s.peer.peer = undefined;
    s.peer = undefined;
  }

  private async play(
    s: RtpSession,
    playbackId: string,
    source: PromptSource,
    options: PlayOptions,
  ): Promise<void> {
    const generation = (this.playGeneration.get(s) ?? 0) + 1;
    this.playGeneration.set(s, generation);
    this.stopPlayer(s, 'replaced');
    let pcm: Int16Array;
    try {
      pcm = await this.prompts.load(source);
    } catch (e) {
      this.emit({
        type: 'playback-ended',
        endpointId: s.id,
        playbackId,
        reason: 'error',
        error: (e as Error).message,
      });
      throw e;
    }
    if (this.playGeneration.get(s) !== generation || this.sessions.get(s.id) !== s) {
      this.emit({ type: 'playback-ended', endpointId: s.id, playbackId, reason: 'replaced' });
      return;
    }
    const player = new Player(playbackId, pcm, options.loop ?? false, options.stopOnDtmf ?? false);
    this.players.set(s, player);
    this.phases.reduce((a, b) => (b.size < a.size ? b : a)).set(s, player);
    s.localOutput++;
    if (options.stopOnDtmf) s.listensForDtmf = true;
  }

  private stopPlayer(
    s: RtpSession,
    reason: 'stopped' | 'replaced' | 'completed' | 'dtmf',
    digit?: DtmfDigit,
  ): void {
    const p = this.players.get(s);
    if (!p) return;
    this.players.delete(s);
    for (const phase of this.phases) phase.delete(s);
    s.localOutput--;
    if (p.stopOnDtmf) s.listensForDtmf = false;
    this.emit({
      type: 'playback-ended',
      endpointId: s.id,
      playbackId: p.playbackId,
      reason,
      ...(digit ? { digit } : {}),
    });
  }

  private onDigit(s: RtpSession, digit: DtmfDigit): void {
    if (this.players.get(s)?.stopOnDtmf) this.stopPlayer(s, 'dtmf', digit);
  }

  private async sendDtmf(s: RtpSession, digits: string, durationMs: number, method: 'rfc4733' | 'inband') {
    const list = [...digits.toUpperCase()];
    if (list.length === 0 || list.length > 64 || !list.every(isDtmfDigit)) {
      throw new MediaError('INVALID_ARGUMENT', `bad DTMF digits ${digits}`);
    }
    if (method === 'inband') {
      await this.play(s, `dtmf-${Date.now()}`, { kind: 'dtmf', digits }, {});
      return;
    }
    if (s.media?.telephoneEventPayloadType === undefined) {
      throw new MediaError('INVALID_ARGUMENT', 'telephone-event was not negotiated on this endpoint');
    }
    const encoder = new TelephoneEventEncoder({ intervalMs: 20 });
    for (const d of list) s.queueDtmf(encoder.steps(d, durationMs));
  }

  private async endRecording(
    id: string,
    reason: 'stopped' | 'max-duration' | 'endpoint-released',
  ): Promise<void> {
    const rec = this.recorders.get(id);
    if (!rec) throw new MediaError('NOT_FOUND', `no recording ${id}`);
    this.recorders.delete(id);
    const error = await rec.close();
    this.emit({
      type: 'recording-ended',
      recordingId: id,
      path: rec.options.path,
      durationMs: rec.durationMs,
      reason: error ? 'error' : reason,
      ...(error ? { error: error.message } : {}),
    });
  }

  private async close(id: EndpointId): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return;
    this.stopPlayer(s, 'stopped');
    this.unbridge(s);
    for (const c of this.conferences.values()) c.leave(s);
    for (const [rid, rec] of this.recorders) {
      if (rec.left === s || rec.right === s) await this.endRecording(rid, 'endpoint-released');
    }
    this.sessions.delete(id);
    this.paced.delete(s);
    s.close();
    if (this.sessions.size === 0) this.clock.dispose();
  }

  private tick(now: number, slot: number): void {
    const started = performance.now();
    // Prompts first: they need nothing else of this tick, and what goes out early in the tick
    // is what keeps its 20 ms spacing when the rest of the tick takes longer than usual.
    this.sendPrompts(now, slot);
    if (slot === 0) this.frameTick(now);
    // Every 10 ms while some endpoint sends 10/30/50 ms packets.
    if (slot % 2 === 0) for (const s of this.paced) if (!s.pace(now)) this.paced.delete(s);
    this.clock.fine = this.paced.size > 0 || this.phases.some((p, i) => i > 0 && p.size > 0);
    const spent = performance.now() - started;
    this.tickCpuMs += spent;
    if (spent > this.maxTickMs) this.maxTickMs = spent;
  }

  /** Sends the frame of each prompt whose slot this is. */
  private sendPrompts(now: number, slot: number): void {
    for (const [s, p] of this.phases[slot] as Map<RtpSession, Player>) {
      const frame = p.next();
      if (frame) s.sendFrame(frame, now);
      else this.stopPlayer(s, 'completed');
    }
  }

  private frameTick(now: number): void {
    this.ticks++;
    for (const s of this.sessions.values()) if (s.needsPcm || s.sendingDtmf) s.tick(now);
    const busy = (s: RtpSession) => this.players.has(s);
    for (const c of this.conferences.values()) c.tick(now, busy);
    for (const [id, rec] of this.recorders) {
      rec.tick();
      if (rec.full) void this.endRecording(id, 'max-duration');
    }
    // Each endpoint every half second, a 25th of them per frame: no tick carries them all.
    let i = this.ticks;
    for (const s of this.sessions.values()) if (i++ % HOUSEKEEPING_TICKS === 0) s.housekeeping(now);
  }

  async dispose(): Promise<void> {
    for (const id of [...this.sessions.keys()]) await this.close(id);
    this.clock.dispose();
  }
}
