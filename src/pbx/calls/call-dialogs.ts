// The SIP that reaches a call inside its dialogs: BYE, re-INVITE and UPDATE (hold), REFER and
// INFO from any party, the ACKs of our 2xx, and 2xx retransmissions that want our ACK again.
import {
  createResponse,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
} from '../../sip/index.ts';
import type { Call, CallOptions } from './call.ts';
import type { CallEnd } from './call-end.ts';
import type { CallParties } from './call-parties.ts';
import { InboundLeg, type OutboundLeg } from './legs.ts';
import { answerSessionModify } from './session-modify.ts';

/** What in-dialog handling needs from its call. */
export interface DialogsHost {
  readonly call: Call;
  readonly deps: CallOptions;
  readonly parties: CallParties;
  /** A leg this call rang, by its dialog key (an early dialog, or a losing fork). */
  rungLeg(key: string): OutboundLeg | undefined;
  /** A party left: the call goes on without it if it can. */
  partyGone(end: CallEnd, cause: string): Promise<void>;
}

export class CallDialogs {
  constructor(private readonly h: DialogsHost) {}

  async inDialog(request: SipRequest, tx: ServerTransaction): Promise<void> {
    const { call, parties } = this.h;
    const key = `${request.callId}|${request.to.tag}`;
    const end = parties.endOfKey(key);
    const dialog = end?.leg.dialog;
    if (!end || !dialog) {
      if (request.method === 'BYE' && key === call.a.key) {
        // RFC 3261 §15: the caller may end the early dialog with BYE; it is a hang-up.
        tx.respond(createResponse(request, 200));
        call.cancel();
        return;
      }
      // A BYE from a callee still ringing (an early dialog), or from a losing fork.
      const early = this.h.rungLeg(key);
      if (request.method === 'BYE' && early) {
        tx.respond(createResponse(request, 200));
        early.cancel();
        return;
      }
      tx.respond(createResponse(request, 481));
      return;
    }
    const problem = dialog.receiveRequest(request);
    if (problem) {
      tx.respond(createResponse(request, problem.status ?? 500));
      return;
    }
    for (const t of end.timers) if (t.role === 'watch') t.reset();
    switch (request.method) {
      case 'BYE':
        tx.respond(createResponse(request, 200));
        return this.h.partyGone(end, 'normal clearing');
      case 'INVITE':
      case 'UPDATE':
        return this.modify(end, request, tx);
      case 'REFER':
        return call.features.refer(end, request, tx);
      default:
        tx.respond(createResponse(request, 200));
    }
  }

  /** A re-INVITE or UPDATE: answered from our endpoint; hold starts or stops our music. */
  private async modify(end: CallEnd, request: SipRequest, tx: ServerTransaction): Promise<void> {
    const { call, deps } = this.h;
    const contact = deps.ctx.contact(end.leg.protocol);
    const outcome = await answerSessionModify(request, tx, end.side, contact);
    if (!outcome || outcome.held === end.held || call.state === 'ended') return;
    end.held = outcome.held;
    deps.log.info({ call: call.id, party: end.id, held: end.held }, 'hold');
    await this.h.parties.holdChanged(end);
  }

  /** A party's ACK of our 2xx. */
  onAck(ack: SipRequest): void {
    const leg = this.h.parties.endOfKey(`${ack.callId}|${ack.to.tag}`)?.leg ?? this.h.call.a;
    if (leg instanceof InboundLeg && ack.to.tag === leg.toTag) leg.acked();
  }

  /** A 2xx retransmitted after its transaction ended: that party lost our ACK. */
  strayResponse(r: SipResponse): void {
    const key = `${r.callId}|${r.from.tag}`;
    const leg = this.h.parties.endOfKey(key)?.leg ?? this.h.rungLeg(key);
    if (leg && 'reack' in leg) (leg as OutboundLeg).reack(r);
  }
}
