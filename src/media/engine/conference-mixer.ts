// N-party conference mixing with supervisor spy modes. Each participant hears the sum of the
// others it may hear, never itself:
//   participant / barge: heard by everyone;
//   listen: heard by no one (the supervisor only listens);
//   whisper: heard only by its target (the agent being coached).
import { clamp16 } from '../audio/pcm.ts';
import { FRAME_SAMPLES } from './media-clock.ts';
import type { ConferenceRole } from './protocol.ts';
import type { RtpSession } from './rtp-session.ts';

interface Member {
  readonly session: RtpSession;
  role: ConferenceRole;
  target: RtpSession | undefined;
}

export function hears(listener: Member, speaker: Member): boolean {
  if (listener === speaker) return false;
  if (speaker.role === 'listen') return false;
  if (speaker.role === 'whisper') return speaker.target === listener.session;
  return true;
}

export class ConferenceMixer {
  private readonly members = new Map<RtpSession, Member>();
  private readonly sum = new Int32Array(FRAME_SAMPLES);
  private readonly out = new Int16Array(FRAME_SAMPLES);

  constructor(readonly conferenceId: string) {}

  get size(): number {
    return this.members.size;
  }

  has(session: RtpSession): boolean {
    return this.members.has(session);
  }

  join(session: RtpSession, role: ConferenceRole, target: RtpSession | undefined): void {
    const existing = this.members.get(session);
    if (existing) {
      existing.role = role;
      existing.target = target;
      return;
    }
    this.members.set(session, { session, role, target });
    session.usePcm(1);
    session.localOutput++;
  }

  leave(session: RtpSession): boolean {
    if (!this.members.delete(session)) return false;
    session.usePcm(-1);
    session.localOutput--;
    for (const m of this.members.values()) if (m.target === session) m.target = undefined;
    return true;
  }

  /** One tick: every member's jitter-buffered frame in, every member's personal mix out. */
  tick(now: number, busy: (s: RtpSession) => boolean): void {
    const members = [...this.members.values()];
    for (const listener of members) {
      if (busy(listener.session)) continue; // a prompt is playing to this member
      this.sum.fill(0);
      for (const speaker of members) {
        if (!speaker.session.rxFrameHasAudio || !hears(listener, speaker)) continue;
        const f = speaker.session.rxFrame;
        for (let i = 0; i < FRAME_SAMPLES; i++) this.sum[i] = (this.sum[i] as number) + (f[i] as number);
      }
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        this.out[i] = clamp16(this.sum[i] as number);
      }
      listener.session.sendFrame(this.out, now);
    }
  }

  dispose(): void {
    for (const s of [...this.members.keys()]) this.leave(s);
  }
}
