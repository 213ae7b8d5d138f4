// Call pickup: `*8` + extension answers a call ringing that extension from another phone;
// `*8` alone answers the oldest call ringing anyone who shares a team with the picker. The
// picker's own call is answered, the ringing call stops ringing and is answered on the
// picker's behalf, and the two callers' endpoints are bridged; either hanging up ends both.
import type { Logger } from 'pino';
import type { MediaEngine } from '../../media/index.ts';
import type { Db } from '../../store/database.ts';
import type { Call } from '../calls/call.ts';
import type { Party, ServiceStep } from '../calls/call-types.ts';
import type { Refusal } from '../calls/toll-fraud.ts';
import { isInternalNumber } from '../dial-plan.ts';
import type { Directory, LineRoute, TenantRoute } from '../directory.ts';
import { teamMates } from './team-access.ts';

export interface PickupDeps {
  db: Db;
  directory: Directory;
  media: MediaEngine;
  calls(tenantId: string): Call[];
  log: Logger;
}

export class CallPickup {
  constructor(private readonly deps: PickupDeps) {}

  async request(
    tenant: TenantRoute,
    picker: LineRoute,
    by: Party,
    extension: string,
  ): Promise<ServiceStep | Refusal> {
    const { directory, db } = this.deps;
    let ringing: (c: Call) => boolean;
    if (extension) {
      if (!isInternalNumber(extension))
        return { status: 484, reason: 'Pickup needs an extension after the code' };
      const line = directory.lineByExtension(tenant.id, extension);
      if (!line) return { status: 404, reason: 'No such extension' };
      ringing = (c) => c.calleeLineId === line.id;
    } else {
      const mates = await teamMates(db, tenant.id, picker.personId);
      ringing = (c) => {
        const line = c.calleeLineId ? directory.line(c.calleeLineId) : undefined;
        return !!line && mates.has(line.personId);
      };
    }
    const target = this.deps
      .calls(tenant.id)
      .filter(
        (c) =>
          c.state === 'ringing' &&
          c.calleeLineId !== picker.id &&
          c.caller.lineId !== picker.id &&
          !!c.sides.caller &&
          ringing(c),
      )
      .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())[0];
    if (!target)
      return { status: 404, reason: extension ? 'Nothing ringing there' : 'Nothing ringing in your teams' };
    return {
      service: 'pickup',
      // Both callers' endpoints are bridged: they must share a worker.
      mediaGroup: target.mediaGroup,
      run: (call) => this.run(call, target, by),
    };
  }

  private async run(call: Call, target: Call, by: Party): Promise<void> {
    await call.connectCaller();
    if (!(await target.pickUp(by))) {
      // Someone answered first, or the caller hung up: the picker hears it failed.
      await call.playToCaller({ kind: 'tone', tone: 'congestion' }, false);
      return;
    }
    try {
      const theirs = target.sides.caller;
      const mine = call.sides.caller;
      if (!theirs || !mine) return;
      await this.deps.media.bridge(theirs, mine);
      this.deps.log.info({ call: call.id, picked: target.id }, 'call picked up');
      await Promise.race([call.ended(), target.ended()]);
    } finally {
      if (target.state !== 'ended') await target.hangup('callee', 'normal clearing');
    }
  }
}
