// REFER inside a call (RFC 3515): what the referrer asks for (a number to connect the other
// party to, or with Replaces the dialog of its other call, RFC 3891), and the implicit
// subscription that reports the outcome to it in NOTIFYs carrying message/sipfrag.
import {
  parseTokenParams,
  type SipRequest,
  SipUri,
  TelUri,
  type TokenParams,
  type Uri,
} from '../../sip/index.ts';
import type { DialogLeg } from './legs.ts';

export interface ReplacesTarget {
  callId: string;
  /** The tag of the dialog's recipient: ours, since the referrer's other call is with us. */
  toTag: string;
  fromTag: string;
  /** RFC 3891 §3: replace the dialog only while it is early. */
  earlyOnly: boolean;
}

export interface ReferRequest {
  /** The user part of Refer-To: an extension or a number, routed as the referrer dialled it. */
  target: string;
  /** Attended transfer: the referrer's other dialog, whose party replaces the referrer. */
  replaces: ReplacesTarget | undefined;
  /** RFC 4488: the referrer asked for no implicit subscription (no NOTIFYs). */
  noSubscription: boolean;
}

export interface ReferProblem {
  status: number;
  reason: string;
}

const MAX_TARGET = 64;

/** Reads a REFER; a malformed one is a 400 that says what is wrong. */
export function parseRefer(request: SipRequest): ReferRequest | ReferProblem {
  // RFC 3515 §2.4.1: exactly one Refer-To.
  const values = request.getAll('Refer-To');
  if (values.length !== 1) return { status: 400, reason: 'Exactly one Refer-To required' };
  let uri: Uri;
  try {
    const referTo = request.referTo;
    if (!referTo) return { status: 400, reason: 'Bad Refer-To' };
    uri = referTo.uri;
  } catch {
    return { status: 400, reason: 'Bad Refer-To' };
  }
  let target: string | undefined;
  let replacesText: string | undefined;
  if (uri instanceof SipUri) {
    target = uri.user ?? undefined;
    for (const [name, value] of uri.headers) if (name.toLowerCase() === 'replaces') replacesText = value;
  } else if (uri instanceof TelUri) target = uri.number;
  else return { status: 416, reason: 'Refer-To scheme not supported' };
  let replaces: ReplacesTarget | undefined;
  if (replacesText !== undefined) {
    replaces = parseReplaces(parseTokenParams(replacesText, false) ?? undefined);
    if (!replaces) return { status: 400, reason: 'Bad Replaces in Refer-To' };
  }
  if (!replaces && (!target || target.length > MAX_TARGET || !/^\+?[0-9*#]+$/.test(target)))
    return { status: 400, reason: 'Refer-To names no number' };
  const referSub = request.get('Refer-Sub');
  return { target: target ?? '', replaces, noSubscription: referSub?.trim().toLowerCase() === 'false' };
}

/**
 * A Replaces value (RFC 3891 §6.1: callid *(SEMI (to-tag / from-tag / early-flag /
 * generic-param))), from the header or from a Refer-To's URI; undefined without both tags.
 */
export function parseReplaces(value: TokenParams | undefined): ReplacesTarget | undefined {
  const toTag = value?.params.get('to-tag');
  const fromTag = value?.params.get('from-tag');
  if (!value || !toTag || !fromTag) return undefined;
  return { callId: value.value, toTag, fromTag, earlyOnly: value.params.has('early-only') };
}

/** What the subscription reports: the referred party's call as a SIP status line. */
const sipfrag = (status: number, reason: string) => ({
  type: 'message/sipfrag;version=2.0',
  data: `SIP/2.0 ${status} ${reason}\r\n`,
});

/** The subscription lasts at most this long; a transfer's ringing ends well before. */
const EXPIRES_S = 300;

/**
 * The implicit subscription a REFER creates (RFC 3515 §2.4.4): NOTIFYs in the REFER's
 * dialog, in order, the last one terminating it. Without a subscription (Refer-Sub: false)
 * nothing is sent.
 */
export class ReferSubscription {
  #chain: Promise<unknown> = Promise.resolve();
  #done = false;
  readonly #event: string;

  constructor(
    private readonly leg: DialogLeg,
    referCseq: number,
    private readonly enabled: boolean,
  ) {
    // §2.4.6: the id parameter names which REFER of the dialog the NOTIFY is about.
    this.#event = `refer;id=${referCseq}`;
  }

  get done(): boolean {
    return this.#done;
  }

  /** The referred party's call is under way. */
  trying(): void {
    this.notify(100, 'Trying', false);
  }

  /** The outcome; resolves once the referrer answered the final NOTIFY (or it failed). */
  final(status: number, reason: string): Promise<void> {
    if (this.#done) return this.#chain.then(() => {});
    this.notify(status, reason, true);
    return this.#chain.then(() => {});
  }

  private notify(status: number, reason: string, final: boolean): void {
    if (!this.enabled || this.#done) return;
    if (final) this.#done = true;
    const state = final ? 'terminated;reason=noresource' : `active;expires=${EXPIRES_S}`;
    this.#chain = this.#chain.then(() =>
      this.leg
        .requestWithBody('NOTIFY', sipfrag(status, reason), [
          ['Event', this.#event],
          ['Subscription-State', state],
        ])
        .catch(() => null),
    );
  }
}
