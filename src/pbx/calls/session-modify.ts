// A re-INVITE or UPDATE from one party of a call, answered here from our own endpoint: media is
// anchored, so a new codec, address or direction concerns only the leg that asked. Hold is
// not relayed either: the held party hears our music instead (the call decides that from
// what this returns).
import { parseSdp } from '../../media/index.ts';
import { createResponse, type ServerTransaction, type SipRequest } from '../../sip/index.ts';
import type { MediaSide } from './media-side.ts';
import { sessionExpiresOf } from './session-timer.ts';

export interface ModifyOutcome {
  /** The sender stopped receiving our audio: it put the call on hold. */
  held: boolean;
}

/**
 * Answers the request; resolves with the sender's hold state when it carried an offer we
 * accepted, undefined for a session refresh without one (or a refused offer).
 */
export async function answerSessionModify(
  request: SipRequest,
  tx: ServerTransaction,
  side: MediaSide | undefined,
  contact: string,
): Promise<ModifyOutcome | undefined> {
  const ok = (sdp: string | undefined) => {
    const r = createResponse(request, 200, undefined);
    r.append('Contact', contact);
    const se = sessionExpiresOf(request);
    if (se) r.append('Session-Expires', `${se.seconds};refresher=${se.refresher ?? 'uac'}`);
    if (sdp) {
      r.append('Content-Type', 'application/sdp');
      r.body = Buffer.from(sdp);
    }
    tx.respond(r);
  };
  if (!side || request.body.length === 0) {
    // A session refresh without an offer: a re-INVITE gets our current SDP, an UPDATE none.
    ok(request.method === 'INVITE' ? side?.lastSent : undefined);
    return undefined;
  }
  const offer = request.body.toString('utf8');
  const held = holdsIn(offer);
  const codec = side.negotiated?.codec;
  let answer: string;
  try {
    // RFC 3264 §8.4: c=0.0.0.0 (RFC 2543 hold) means "do not send"; we answer recvonly so our
    // endpoint never sends to 0.0.0.0 (which a host delivers to itself).
    answer = await side.answer(
      offer,
      held.nullAddress ? 'recvonly' : 'sendrecv',
      codec ? [codec, codec === 'PCMU' ? 'PCMA' : 'PCMU'] : undefined,
    );
  } catch {
    tx.respond(createResponse(request, 488));
    return undefined;
  }
  ok(answer);
  return { held: held.holds };
}

/** RFC 3264 §8.4 / RFC 6337 §5.3: sendonly or inactive puts the answerer on hold; so does c=0.0.0.0. */
function holdsIn(sdp: string): { holds: boolean; nullAddress: boolean } {
  try {
    const s = parseSdp(sdp);
    const audio = s.media.find((m) => m.media === 'audio' && m.port !== 0);
    const direction = audio?.direction ?? s.direction ?? 'sendrecv';
    const address = (audio?.connection ?? s.connection)?.address;
    const nullAddress = address === '0.0.0.0';
    return { holds: direction === 'sendonly' || direction === 'inactive' || nullAddress, nullAddress };
  } catch {
    return { holds: false, nullAddress: false };
  }
}
