// Internal events of the PBX: registrations, trunk registrations and call progress. The API's
// event stream and the dashboard subscribe here; nothing on the call path waits on a listener.
import type { BindingChange } from './location.ts';

export type PbxEvent =
  | {
      type: 'registration';
      change: BindingChange['kind'];
      tenantId: string;
      lineId: string;
      contact: string;
      userAgent: string | null;
      source: string;
      expiresAt: string;
    }
  | {
      type: 'trunk-registration';
      trunkId: string;
      state: 'registered' | 'failed' | 'unregistered';
      host: string;
      detail?: string;
    }
  | {
      type: 'call';
      /**
       * `connected`: someone answered a caller Switchboard had already answered (a flow's
       * ring node, a queue's agent); the callee is now known.
       */
      state: 'ringing' | 'answered' | 'connected' | 'ended';
      callId: string;
      tenantId: string;
      direction: 'inbound' | 'outbound' | 'internal';
      caller: string;
      callee: string;
      disposition?: string;
    }
  | {
      /** A call's run through the published flow, step by step, once it is over. */
      type: 'flow';
      callId: string;
      tenantId: string;
      version: number;
      steps: { nodeId: string; type: string; name: string; detail: string; output?: string | undefined }[];
      end: { reason: string; nodeId?: string | undefined; detail: string };
    }
  | QueueEvent;

/**
 * A change in a call queue (src/pbx/queues): a caller joins, is offered to agents, is
 * answered, leaves (with the flow outcome, or abandoned), asks for a callback; an agent's
 * state changes. Each carries the queue's counts after the change, for wallboards.
 */
export interface QueueEvent {
  type: 'queue';
  tenantId: string;
  queueId: string;
  change:
    | 'caller-joined'
    | 'caller-ringing'
    | 'caller-answered'
    | 'caller-left'
    | 'callback-requested'
    | 'callback-dialing'
    | 'agent-state';
  /** The waiting entry: the caller's call id (a callback request keeps it). */
  callerId?: string | undefined;
  callerNumber?: string | undefined;
  /** `person:<id>` or `line:<id>`. */
  agentIds?: string[] | undefined;
  agentState?: string | undefined;
  pauseReason?: string | null | undefined;
  /** How a caller left: a flow outcome, or 'abandoned' when it hung up. */
  outcome?: 'answered' | 'timeout' | 'overflow' | 'callback' | 'abandoned' | undefined;
  position?: number | undefined;
  waiting: number;
  availableAgents: number;
}

type Listener = (event: PbxEvent) => void;

export class PbxEvents {
  readonly #listeners = new Set<Listener>();

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: PbxEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // A failing listener must not break the call that emitted the event.
      }
    }
  }
}
