// A queue callback, dialled when the request's turn comes and an agent is free: Switchboard
// rings the agent first (so no caller is called back to wait again), tells the agent who is
// being called, then dials the caller back and connects them. If the caller does not answer,
// the agent is told and the request goes back to its place in line.
import type { Logger } from 'pino';
import type { PromptSource } from '../../media/index.ts';
import type { CallRouter } from '../calls/call-router.ts';
import type { CallDeps, Party, RingStep } from '../calls/call-types.ts';
import { isInternalNumber } from '../dial-plan.ts';
import type { Directory, TenantRoute } from '../directory.ts';
import { OriginatedCall } from './originated-call.ts';
import type { QueueConfig } from './queue-config.ts';
import { targetOf } from './queue-waiter.ts';
import type { Offer } from './types.ts';

/** How long the caller's phone rings when called back. */
const CALLER_RING_SEC = 30;
const LANGUAGE = 'en';

export interface DialBackHost {
  router: CallRouter;
  callDeps: CallDeps;
  directory: Directory;
  log: Logger;
  /** The call in progress, so a shutdown can end it. */
  track(call: OriginatedCall, on: boolean): void;
  agentOfLine(lineId: string): string | undefined;
  /** A line of the tenant being called back is busy while it rings and talks. */
  lineBusy(lineId: string, on: boolean): void;
  /** No offered agent took the callback. */
  ringEnded(): void;
  agentAnswered(agentId: string): void;
  conversationEnded(agentId: string): void;
  /** The caller did not answer: the request returns to its place. */
  requeue(): void;
}

export interface CallbackRequestInfo {
  number: string;
  name: string | null;
}

export async function dialBack(
  host: DialBackHost,
  tenant: TenantRoute,
  config: QueueConfig,
  offer: Offer,
  entry: CallbackRequestInfo,
): Promise<void> {
  const call = new OriginatedCall(host.callDeps);
  host.track(call, true);
  try {
    if (!(await call.open())) {
      host.ringEnded();
      return;
    }
    const offered = offer.agents.map((a) => a.agentId);
    // The agent's phone shows who is called back, and for which queue.
    const agentStep = host.router.ringStep(
      tenant,
      offered.map(targetOf),
      { number: entry.number, name: `Callback: ${config.name}` },
      Math.max(...offer.agents.map((a) => a.ringTimeoutSec)),
    );
    const agent = await call.ring('agent', agentStep);
    if (!('answered' in agent)) {
      host.ringEnded();
      return;
    }
    const agentId = host.agentOfLine(agent.answered.id) ?? (offered[0] as string);
    host.agentAnswered(agentId);
    const busyLine = isInternalNumber(entry.number)
      ? host.directory.lineByExtension(tenant.id, entry.number)?.id
      : undefined;
    if (busyLine) host.lineBusy(busyLine, true);
    try {
      await call.play('agent', speak(`Calling back ${digits(entry.number)}.`));
      const agentLine = host.directory.line(agent.answered.id);
      const from: Party = { number: agentLine?.extension ?? entry.number, name: config.name };
      const step = await callerStep(host, tenant, entry.number, from);
      let answered = false;
      if ('legs' in step) {
        try {
          const caller = await call.ring('caller', step);
          answered = 'answered' in caller;
          if (answered) {
            await call.bridge();
            await call.ended();
          }
        } finally {
          step.external?.release();
        }
      } else {
        host.log.info({ number: entry.number, reason: step.reason }, 'queue callback refused');
      }
      if (!answered) {
        if (!call.isEnded)
          await call.play('agent', speak('The caller did not answer. The request is back in line.'));
        host.requeue();
      }
    } finally {
      if (busyLine) host.lineBusy(busyLine, false);
      host.conversationEnded(agentId);
    }
  } finally {
    await call.hangup('system');
    host.track(call, false);
  }
}

/** How the caller is reached again: an extension of the tenant, or a number out through its trunk. */
async function callerStep(
  host: DialBackHost,
  tenant: TenantRoute,
  number: string,
  from: Party,
): Promise<RingStep | { status: number; reason: string }> {
  if (isInternalNumber(number)) {
    const line = host.directory.lineByExtension(tenant.id, number);
    if (!line) return { status: 404, reason: 'extension not found' };
    return host.router.ringStep(tenant, [{ kind: 'person', id: line.personId }], from, CALLER_RING_SEC);
  }
  return host.router.phoneStep(tenant, number, from, CALLER_RING_SEC);
}

const speak = (text: string): PromptSource => ({ kind: 'tts', text, language: LANGUAGE });

/** Digits read one by one ("2 0 1"), as a number to call is read out. */
const digits = (n: string) => n.replace(/^\+/, 'plus ').replace(/(\d)(?=\d)/g, '$1 ');
