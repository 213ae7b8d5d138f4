// Who is connected to a call and how their media is joined. Two slots: A, the party the call
// serves (the caller; flows, voicemail and queues talk to it), and B, the party it talks to,
// bridged; or, once the call is a conference, any number of members in one mixer. Also the
// call's endpoints (all in its media group) and our hold music to a held party.
import { CallerGone } from '../../flows/index.ts';
import type { MediaEngine, PromptSource } from '../../media/index.ts';
import type { CallEnd } from './call-end.ts';
import type { DialogOwner } from './call-types.ts';
import { CallConference } from './conference-call.ts';
import type { DialogLeg } from './legs.ts';
import { MediaSide } from './media-side.ts';

export interface PartiesContext {
  media: MediaEngine;
  /** The call's media group: endpoints and the mixer share its worker. */
  group: string;
  music: PromptSource;
  owner: DialogOwner;
  track(key: string, owner: DialogOwner): void;
  untrack(key: string): void;
  /** False once the call has ended: no new endpoint is kept. */
  live(): boolean;
}

export class CallParties {
  A: CallEnd | undefined;
  B: CallEnd | undefined;
  /** Slot endpoints: A faces the caller; B is what we ring from, and faces whoever answers. */
  sideA: MediaSide | undefined;
  sideB: MediaSide | undefined;
  conference: CallConference | undefined;
  /** The party that made the call a conference. */
  host: CallEnd | undefined;
  /** A REFER's transferor, still in its dialog until the transfer's outcome is known. */
  transferor: CallEnd | undefined;
  /** Every endpoint of the call, released when it ends. */
  readonly sides = new Set<MediaSide>();
  /** Legs handed to another call (attended transfer): no longer ours to end or forget. */
  readonly surrendered = new WeakSet<DialogLeg>();
  #musicChain: Promise<void> = Promise.resolve();

  constructor(private readonly c: PartiesContext) {}

  /** Every connected party: the two slots, the conference's members, a transferor still there. */
  ends(): CallEnd[] {
    const out: CallEnd[] = [];
    for (const e of [this.A, this.B, ...(this.conference?.members ?? []), this.transferor])
      if (e && !out.includes(e)) out.push(e);
    return out;
  }

  /** The parties talking: both slots, or the conference's members. */
  talking(): CallEnd[] {
    return this.conference ? [...this.conference.members] : [this.A, this.B].filter((e) => e !== undefined);
  }

  endOfKey(key: string): CallEnd | undefined {
    return this.ends().find((e) => e.leg.key === key);
  }

  endOfSide(endpointId: string): CallEnd | undefined {
    return this.ends().find((e) => e.side.id === endpointId);
  }

  /** The other party of a two-party call. */
  partnerOf(end: CallEnd): CallEnd | undefined {
    if (this.conference) return undefined;
    return end === this.A ? this.B : end === this.B ? this.A : undefined;
  }

  /** Exchanges the two slots (the party in B becomes the call's caller). */
  swap(): void {
    [this.A, this.B] = [this.B, this.A];
    [this.sideA, this.sideB] = [this.sideB, this.sideA];
  }

  /** A new endpoint in the call's media group; throws CallerGone once the call is over. */
  async newSide(): Promise<MediaSide> {
    const ep = await this.c.media.allocateEndpoint({ group: this.c.group, inactivityMs: 60_000 });
    if (!this.c.live()) {
      await this.c.media.releaseEndpoint(ep.id).catch(() => {});
      throw new CallerGone();
    }
    const side = new MediaSide(this.c.media, ep);
    this.adoptSide(side);
    return side;
  }

  /** An endpoint becomes the call's: its media events come here. */
  adoptSide(side: MediaSide): void {
    this.sides.add(side);
    this.c.track(`ep:${side.id}`, this.c.owner);
  }

  async releaseSide(side: MediaSide): Promise<void> {
    if (!this.sides.delete(side)) return;
    this.c.untrack(`ep:${side.id}`);
    await this.c.media.releaseEndpoint(side.id).catch(() => {});
  }

  /** A party leaves (it hung up, or a transfer is done with it): its dialog and media go too. */
  async dropEnd(end: CallEnd): Promise<void> {
    end.quiet();
    if (!this.surrendered.has(end.leg)) end.leg.dispose();
    if (this.A === end) this.A = undefined;
    if (this.B === end) this.B = undefined;
    if (this.transferor === end) this.transferor = undefined;
    await this.releaseSide(end.side);
  }

  /**
   * Hands a party to another call (attended transfer): it leaves without a BYE; its dialog
   * and, with `withSide`, its endpoint are the other call's from now on.
   */
  surrender(end: CallEnd, withSide: boolean): { sessionTimer: CallEnd['sessionTimer']; music: boolean } {
    const { sessionTimer, music } = end;
    end.quiet();
    this.surrendered.add(end.leg);
    this.c.untrack(end.leg.key);
    if (withSide && this.sides.delete(end.side)) this.c.untrack(`ep:${end.side.id}`);
    if (this.A === end) this.A = undefined;
    if (this.B === end) this.B = undefined;
    end.music = false;
    return { sessionTimer, music };
  }

  /**
   * In a two-party call, a party hears our hold music while the other holds it. Changes are
   * applied one after another, so a quick hold and resume cannot leave the music playing.
   */
  updateMusic(): Promise<void> {
    this.#musicChain = this.#musicChain.then(async () => {
      if (this.conference || !this.c.live()) return;
      const { media } = this.c;
      for (const [me, partner] of [
        [this.A, this.B],
        [this.B, this.A],
      ] as const) {
        if (!me) continue;
        const want = partner?.held === true;
        if (want === me.music) continue;
        me.music = want;
        if (want) await media.play(me.side.id, this.c.music, { loop: true }).catch(() => {});
        else await media.stopPlayback(me.side.id).catch(() => {});
      }
    });
    return this.#musicChain;
  }

  /** A party's hold state changed (its re-INVITE): music in a two-party call, its role in a conference. */
  async holdChanged(end: CallEnd): Promise<void> {
    if (this.conference) await this.conference.update(end);
    else await this.updateMusic();
  }

  /** Makes the call a conference (once): its two parties leave their bridge for a mixer. */
  async ensureConference(): Promise<CallConference> {
    if (this.conference) return this.conference;
    const conference = new CallConference(this.c.media, this.c.group, this.c.music);
    const parties = [this.A, this.B].filter((e) => e !== undefined);
    // Set first: a second add that answers meanwhile joins the same conference.
    this.conference = conference;
    this.A = undefined;
    this.B = undefined;
    await this.#musicChain;
    for (const e of parties) {
      // A two-party hold becomes a conference hold: the holder is not heard, nobody hears music.
      if (e.music) await this.c.media.stopPlayback(e.side.id).catch(() => {});
      e.music = false;
      conference.members.push(e);
    }
    await conference.start([...conference.members]);
    return conference;
  }
}
