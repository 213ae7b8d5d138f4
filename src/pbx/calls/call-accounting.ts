// What a call counts and puts on record: the external-call slots it holds (the toll-fraud
// limit), the external parties that answered (charged from when each did), the legs it rang,
// and, once it ends, its call record (CDR).
import type { CallLegRecord } from '../../store/schema.ts';
import type { Call } from './call.ts';
import { calleeLegRecord, callRecordOf } from './call-record.ts';
import type { CallDeps, RingStep } from './call-types.ts';
import type { OutboundLeg } from './legs.ts';

export class CallAccounting {
  /** External-call slots held by this call, each released once. */
  readonly #externals = new Set<() => void>();
  /** Answered external parties, charged from when each answered. */
  readonly #billing: { e164: string; since: Date }[] = [];
  #legRecords: CallLegRecord[] = [];
  #answeredStep: RingStep | undefined;

  constructor(private readonly deps: Pick<CallDeps, 'cdrs' | 'charge'>) {}

  recordLeg(leg: OutboundLeg, status: number, answered = false): void {
    this.#legRecords.push(calleeLegRecord(leg, status, answered));
  }

  /** Counts an external-call slot as this call's until it ends (or the step fails). */
  holdExternal(external: RingStep['external']): void {
    if (external) this.#externals.add(external.release);
  }

  releaseExternal(external: RingStep['external']): void {
    if (!external || !this.#externals.delete(external.release)) return;
    external.release();
  }

  /** An answered party reached through a carrier: charged from now. */
  bill(external: RingStep['external']): void {
    if (external) this.#billing.push({ e164: external.e164, since: new Date() });
  }

  /** The step a target of which answered: a trunk's id goes on record. */
  answered(step: RingStep | undefined): void {
    this.#answeredStep = step;
  }

  /** The call ended: every slot it still holds is given back. */
  releaseAll(): void {
    for (const release of this.#externals) release();
    this.#externals.clear();
  }

  /** Queues the record of a call that ended. */
  write(call: Call): void {
    const ended = call.endedAt as Date;
    const billable = call.answeredAt ? Math.ceil((ended.getTime() - call.answeredAt.getTime()) / 1000) : 0;
    let cost = 0;
    for (const b of this.#billing) {
      const seconds = Math.ceil((ended.getTime() - b.since.getTime()) / 1000);
      if (seconds > 0) cost += this.deps.charge(b.e164, seconds);
    }
    this.deps.cdrs.add(
      callRecordOf(call, {
        ended,
        billable,
        cost,
        answeredTrunkId: this.#answeredStep?.kind === 'trunk' ? this.#answeredStep.id : null,
        legs: this.#legRecords,
      }),
    );
  }
}
