// Dialled feature codes (spec 001/003 "Feature Codes", spec 002 spy): what a phone reaches
// by dialling one of its company's codes instead of a number. The router asks here first;
// a code answers with the service the call is handed to, or a refusal the caller gets as
// its final response. Anything else goes on to normal routing.
import type { Logger } from 'pino';
import type { MediaEngine } from '../../media/index.ts';
import type { Db } from '../../store/database.ts';
import type { Call } from '../calls/call.ts';
import type { Party, ServiceStep } from '../calls/call-types.ts';
import type { Refusal } from '../calls/toll-fraud.ts';
import type { Directory, LineRoute, TenantRoute } from '../directory.ts';
import { type FeatureName, matchDialled } from '../feature-codes.ts';
import { forwardTarget, setDoNotDisturb, setForwarding } from './line-toggles.ts';
import { CallPickup } from './pickup.ts';
import { spoken } from './spoken.ts';
import { SpyService } from './spy.ts';

export type AgentAction = 'login' | 'logout' | 'pause' | 'unpause';

/** The voicemail service's listen mode for the caller's own box (set by that service). */
export type VoicemailListen = (
  tenant: TenantRoute,
  line: LineRoute,
  caller: Party,
) => ServiceStep | Refusal | Promise<ServiceStep | Refusal>;

/** The queue service's agent actions: log in to, out of, pause in or resume the line's queues. */
export type QueueAgentAction = (
  tenant: TenantRoute,
  line: LineRoute,
  action: AgentAction,
  /** What followed the pause code: a pause reason's number, or ''. */
  argument: string,
) => ServiceStep | Refusal | Promise<ServiceStep | Refusal>;

export interface DialledFeatureDeps {
  db: Db;
  directory: Directory;
  media: MediaEngine;
  calls(tenantId: string): Call[];
  log: Logger;
}

const AGENT_ACTIONS: Partial<Record<FeatureName, AgentAction>> = {
  agentLogin: 'login',
  agentLogout: 'logout',
  agentPause: 'pause',
  agentUnpause: 'unpause',
};

export class DialledFeatures {
  readonly spy: SpyService;
  readonly pickup: CallPickup;
  /** Set once the voicemail service runs; until then `*97` is refused 501. */
  voicemailListen: VoicemailListen | undefined;
  /** Set once the queue service runs; until then agent codes are refused 501. */
  queueAgent: QueueAgentAction | undefined;

  constructor(private readonly deps: DialledFeatureDeps) {
    this.spy = new SpyService(deps);
    this.pickup = new CallPickup(deps);
  }

  /** The service for a dialled string, a refusal, or undefined when it is no feature code. */
  async dialled(
    tenant: TenantRoute,
    line: LineRoute,
    caller: Party,
    dialed: string,
  ): Promise<ServiceStep | Refusal | undefined> {
    const match = matchDialled(tenant.featureCodes, dialed);
    if (!match) return dialed.startsWith('*') ? { status: 404, reason: 'No such feature code' } : undefined;
    const { feature, argument } = match;
    const { db, directory } = this.deps;
    switch (feature) {
      case 'dndOn':
      case 'dndOff': {
        const on = feature === 'dndOn';
        await setDoNotDisturb(db, directory, line, on);
        return spoken(`feature-${feature}`, on ? 'Do not disturb is on.' : 'Do not disturb is off.');
      }
      case 'forwardOn': {
        if (!argument)
          return { status: 484, reason: 'Forwarding needs a number: dial the code followed by it' };
        const target = forwardTarget(directory, tenant, line, argument);
        if ('status' in target) return target;
        await setForwarding(db, directory, line, target.to);
        return spoken(`feature-${feature}`, `Your calls are forwarded to ${spelled(target.to)}.`);
      }
      case 'forwardOff':
        await setForwarding(db, directory, line, null);
        return spoken(`feature-${feature}`, 'Forwarding is off.');
      case 'voicemail':
        if (!this.voicemailListen) return { status: 501, reason: 'Voicemail not available' };
        return this.voicemailListen(tenant, line, caller);
      case 'agentLogin':
      case 'agentLogout':
      case 'agentPause':
      case 'agentUnpause':
        if (!this.queueAgent) return { status: 501, reason: 'Queue agent codes not available' };
        return this.queueAgent(tenant, line, AGENT_ACTIONS[feature] as AgentAction, argument);
      case 'listen':
      case 'whisper':
      case 'barge':
        return this.spy.request(tenant, line, argument, feature);
      case 'pickup':
        return this.pickup.request(tenant, line, caller, argument);
      default:
        // In-call codes never match a dialled string (matchDialled leaves them out).
        return { status: 404, reason: 'No such feature code' };
    }
  }
}

/** Digits read one by one ("2 0 1"), a leading + as "plus". */
function spelled(number: string): string {
  return number.replace(/^\+/, 'plus ').replace(/\d/g, '$& ').trim();
}
