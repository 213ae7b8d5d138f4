// A re-INVITE or UPDATE from one side of a call: answered here from our own endpoint (media is
// anchored), and a change of direction (hold, resume) passed on to the other side with an
// offer of ours, so hold is signalled end to end.
import {
  createResponse,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
} from '../../sip/index.ts';
import { directionOf, type MediaSide } from './media-side.ts';
import { sessionExpiresOf } from './session-timer.ts';

export interface ModifyContext {
  /** Our endpoint facing the side that sent the request. */
  side: MediaSide | undefined;
  /** The other side's leg and our endpoint facing it. */
  other: { request(method: string, sdp?: string): Promise<SipResponse | null> } | undefined;
  otherSide: MediaSide | undefined;
  /** Our Contact for the 200. */
  contact: string;
  /** Whether the two sides are connected, so a direction change is relayed. */
  relay: boolean;
}

export async function answerSessionModify(
  request: SipRequest,
  tx: ServerTransaction,
  c: ModifyContext,
): Promise<void> {
  const ok = (sdp: string | undefined) => {
    const r = createResponse(request, 200, undefined);
    r.append('Contact', c.contact);
    const se = sessionExpiresOf(request);
    if (se) r.append('Session-Expires', `${se.seconds};refresher=${se.refresher ?? 'uac'}`);
    if (sdp) {
      r.append('Content-Type', 'application/sdp');
      r.body = Buffer.from(sdp);
    }
    tx.respond(r);
  };
  const { side } = c;
  if (!side || request.body.length === 0) {
    // A session refresh without an offer: a re-INVITE gets our current SDP, an UPDATE none.
    ok(request.method === 'INVITE' ? side?.lastSent : undefined);
    return;
  }
  const offer = request.body.toString('utf8');
  const wanted = directionOf(offer);
  const codec = side.negotiated?.codec;
  let answer: string;
  try {
    answer = await side.answer(
      offer,
      'sendrecv',
      codec ? [codec, codec === 'PCMU' ? 'PCMA' : 'PCMU'] : undefined,
    );
  } catch {
    tx.respond(createResponse(request, 488));
    return;
  }
  ok(answer);
  const { other, otherSide } = c;
  if (!other || !otherSide || !c.relay) return;
  const relay = wanted === 'sendonly' ? 'sendonly' : wanted === 'inactive' ? 'inactive' : 'sendrecv';
  const otherCodec = otherSide.negotiated?.codec;
  const reoffer = otherSide.offer(relay, otherCodec ? [otherCodec] : undefined);
  const r = await other.request('INVITE', reoffer);
  if (r && r.status >= 200 && r.status < 300 && r.body.length > 0)
    await otherSide.applyAnswer(r.body.toString('utf8')).catch(() => {});
}
