// One party connected to a call: its answered dialog with us, our media endpoint facing it, who
// it is, and what it is doing (holding, muted, hearing our music). A transfer moves ends from
// one slot to another, or from one call to another; a conference holds any number of them.
import type { Party } from './call-types.ts';
import type { InCallCodes } from './in-call-codes.ts';
import type { DialogLeg } from './legs.ts';
import type { MediaSide } from './media-side.ts';
import type { SessionTimer } from './session-timer.ts';

let ids = 0;
/** A participant id, unique in the process (the API names participants by it). */
export const participantId = (): string => `p${(++ids).toString(36)}`;

export class CallEnd {
  /** It put the call on hold (a re-INVITE sendonly, inactive or to 0.0.0.0). */
  held = false;
  /** A conference host muted it: it hears everyone, nobody hears it. */
  muted = false;
  /** A conference host put it on hold: it hears our music and nobody hears it. */
  heldByHost = false;
  /** Our hold music is playing to it. */
  music = false;
  /** The keys it presses, watched for in-call codes (only ends with a line of the tenant). */
  codes: InCallCodes | undefined;
  timers: SessionTimer[] = [];
  /** RFC 4028 interval agreed on its leg and whether we refresh, to re-arm after a move. */
  sessionTimer: { seconds: number; weRefresh: boolean } | undefined;

  constructor(
    public leg: DialogLeg,
    public side: MediaSide,
    public party: Party,
    readonly id: string = participantId(),
  ) {}

  /** Stops its timers and key watching (the end leaves this call, or the call ends). */
  quiet(): void {
    for (const t of this.timers) t.dispose();
    this.timers = [];
    this.codes?.dispose();
    this.codes = undefined;
  }
}
