// What a call needs to transfer its parties and add new ones (the CallEngine provides it), and
// the pieces of a transfer that do not depend on the call's state: presenting the transferred
// party to the target, and moving a party's media to another call's worker.
import { isMediaError, type MediaEngine, type PromptSource } from '../../media/index.ts';
import type { Directory, LineRoute, TenantRoute } from '../directory.ts';
import type { Call } from './call.ts';
import type { CallEnd } from './call-end.ts';
import type { CallRouter } from './call-router.ts';
import type { DialogOwner, Party, RingStep } from './call-types.ts';
import { MediaSide } from './media-side.ts';

export interface InCallServices {
  directory: Directory;
  router: CallRouter;
  /** Whoever owns a dialog of ours (`Call-ID|our tag`): attended transfer names another call. */
  ownerOf(dialogKey: string): DialogOwner | undefined;
  /** Starts a stereo recording of the call on demand (the recording service, else a plain file). */
  recordOnDemand(call: Call, tenantId: string): Promise<void>;
  /** What a held party hears. */
  holdMusic: PromptSource;
}

/** The tenant and the line a party routes as (in-call codes and REFER are for our own people). */
export function routingOf(
  services: InCallServices,
  tenantId: string,
  party: Party,
): { tenant: TenantRoute; line: LineRoute } | undefined {
  const tenant = services.directory.tenant(tenantId);
  const line = party.lineId ? services.directory.line(party.lineId) : undefined;
  if (!tenant?.active || !line || line.tenantId !== tenantId) return undefined;
  return { tenant, line };
}

/**
 * A transfer target's phones see the transferred party as the caller, as they would on any
 * PBX; calls out through a carrier keep the caller ID the router chose (it must be ours).
 */
export function presentAs(step: RingStep, party: Party, domain: string): RingStep {
  if (step.kind !== 'line') return step;
  const from = `${displayName(party.name)}<sip:${encodeUser(party.number)}@${domain}>`;
  return { ...step, legs: step.legs.map((l) => ({ ...l, from })) };
}

/**
 * Brings a party's media to the worker of `group`: a new endpoint there, offered to the party
 * in a re-INVITE (the B2BUA re-anchors the stream), its answer applied. Returns the new side;
 * the old one is the caller's to release. Throws when the party refuses the offer.
 */
export async function reanchor(
  media: MediaEngine,
  end: CallEnd,
  group: string,
  adopt: (side: MediaSide) => void,
): Promise<MediaSide> {
  const ep = await media.allocateEndpoint({ group, inactivityMs: 60_000 });
  const side = new MediaSide(media, ep);
  adopt(side);
  const codec = end.side.negotiated?.codec;
  const offer = side.offer('sendrecv', codec ? [codec, codec === 'PCMU' ? 'PCMA' : 'PCMU'] : undefined);
  const r = await end.leg.request('INVITE', offer);
  if (!r || r.status < 200 || r.status >= 300 || r.body.length === 0)
    throw new Error(`re-INVITE to move the media refused: ${r?.status ?? 'no answer'}`);
  await side.applyAnswer(r.body.toString('utf8'));
  return side;
}

/** Bridges two endpoints; false when they live on different workers (then re-anchor one). */
export async function bridgeIfSameWorker(media: MediaEngine, a: string, b: string): Promise<boolean> {
  try {
    await media.bridge(a, b);
    return true;
  } catch (e) {
    if (isMediaError(e) && e.code === 'WRONG_WORKER') return false;
    throw e;
  }
}

/** A display name safe in a header: no quotes, backslashes or control characters. */
function displayName(name: string | null): string {
  const clean = (name ?? '')
    .replace(/[\x00-\x1f\x7f"\\]/g, '')
    .trim()
    .slice(0, 64);
  return clean ? `"${clean}" ` : '';
}

function encodeUser(user: string): string {
  return user.replace(
    /[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
