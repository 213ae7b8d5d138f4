// A call that became a conference: its parties leave their bridge for one mixer on the call's
// media worker. What each member hears and is heard by follows from its state: muted by the
// host, held by the host (our music, not heard), or holding us itself (not heard, since a
// phone on hold may send its own music).
import type { ConferenceRole, MediaEngine, PromptSource } from '../../media/index.ts';
import type { CallEnd } from './call-end.ts';

export class CallConference {
  readonly members: CallEnd[] = [];
  #id: string | undefined;

  constructor(
    private readonly media: MediaEngine,
    private readonly group: string,
    private readonly music: PromptSource,
  ) {}

  /** Creates the mixer and moves the call's parties into it. */
  async start(ends: CallEnd[]): Promise<void> {
    this.#id = await this.media.createConference(this.group);
    for (const end of ends) await this.join(end);
  }

  async join(end: CallEnd): Promise<void> {
    if (!this.members.includes(end)) this.members.push(end);
    await this.media.joinConference(this.#id as string, end.side.id, roleOf(end));
    await this.applyMusic(end);
  }

  async leave(end: CallEnd): Promise<void> {
    const i = this.members.indexOf(end);
    if (i < 0) return;
    this.members.splice(i, 1);
    if (this.#id) await this.media.leaveConference(this.#id, end.side.id).catch(() => {});
  }

  /** Applies a member's new state (mute, hold by the host, its own hold). */
  async update(end: CallEnd): Promise<void> {
    if (!this.members.includes(end) || !this.#id) return;
    await this.media.joinConference(this.#id, end.side.id, roleOf(end));
    await this.applyMusic(end);
  }

  async destroy(): Promise<void> {
    const id = this.#id;
    this.#id = undefined;
    if (id) await this.media.destroyConference(id).catch(() => {});
  }

  /** A prompt playing to a member replaces its mix (the mixer skips it): that is our hold. */
  private async applyMusic(end: CallEnd): Promise<void> {
    const want = end.heldByHost;
    if (want === end.music) return;
    end.music = want;
    if (want) await this.media.play(end.side.id, this.music, { loop: true });
    else await this.media.stopPlayback(end.side.id).catch(() => {});
  }
}

/** Heard by all, or by none ('listen': it still hears everyone). */
function roleOf(end: CallEnd): ConferenceRole {
  return end.muted || end.heldByHost || end.held ? 'listen' : 'participant';
}
