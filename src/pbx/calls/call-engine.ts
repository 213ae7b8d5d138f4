// The B2BUA's front door: new INVITEs are identified (a carrier by source address, a phone by
// digest auth), routed by the CallRouter and run as Calls; in-dialog requests, ACKs, stray
// 2xx and media events find their call through one table keyed by Call-ID and our tag.
import type { Logger } from 'pino';
import { runFlow } from '../../flows/index.ts';
import type { MediaEngine, MediaEvent, PromptSource } from '../../media/index.ts';
import {
  createResponse,
  type Flow,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
  type SipStack,
} from '../../sip/index.ts';
import type { Db } from '../../store/database.ts';
import type { Directory } from '../directory.ts';
import type { PbxEvents } from '../events.ts';
import type { LineAuthenticator } from '../line-auth.ts';
import type { LocationService } from '../location.ts';
import { Call } from './call.ts';
import { CallRouter, carrierNumber, type FlowPlan, type Plan, type ServicePlan } from './call-router.ts';
import type { CallDeps, DialogOwner } from './call-types.ts';
import type { CdrWriter } from './cdr-writer.ts';
import { CallFlowEffects, type FlowServices } from './flow-effects.ts';
import type { LegContext } from './legs.ts';
import { parseReplaces } from './refer.ts';
import { TollFraudGuard } from './toll-fraud.ts';
import type { InCallServices } from './transfer.ts';

export interface CallEngineOptions {
  stack: SipStack;
  media: MediaEngine;
  directory: Directory;
  location: LocationService;
  auth: LineAuthenticator;
  events: PbxEvents;
  cdrs: CdrWriter;
  db: Db;
  logger: Logger;
  publicHost: string;
  sessionExpires: number;
  promptPath?: (fileId: string) => Promise<string | undefined>;
  /** What call flows reach outside the call (prompts, HTTP, mail, call history). */
  flows: Omit<FlowServices, 'router' | 'resolve' | 'log'>;
  /** What a party on hold hears; the built-in music when not given. */
  holdMusic?: PromptSource;
}

export interface LiveCall {
  id: string;
  direction: Call['direction'];
  caller: string;
  callee: string;
  state: string;
  startedAt: string;
  answeredAt: string | null;
}

export class CallEngine {
  readonly #calls = new Set<Call>();
  /** Dialog keys (Call-ID|our tag) and media endpoint ids (`ep:<id>`) to their owner. */
  readonly #table = new Map<string, DialogOwner>();
  readonly guard: TollFraudGuard;
  readonly router: CallRouter;
  readonly #ctx: LegContext;
  readonly #inCall: InCallServices;
  #stopping = false;

  constructor(private readonly options: CallEngineOptions) {
    const { stack, publicHost } = options;
    this.#ctx = {
      stack,
      contact: (protocol) => {
        const port = stack.transport(protocol === 'ws' || protocol === 'wss' ? 'udp' : protocol)?.localPort;
        const transport = protocol === 'udp' ? '' : `;transport=${protocol}`;
        return `<sip:switchboard@${publicHost}${port ? `:${port}` : ''}${transport}>`;
      },
    };
    this.guard = new TollFraudGuard(options.db);
    this.router = new CallRouter({
      directory: options.directory,
      location: options.location,
      guard: this.guard,
      publicHost,
      promptPath: options.promptPath,
      lineBusy: (lineId) => this.lineBusy(lineId),
    });
    const { flows } = options;
    this.#inCall = {
      directory: options.directory,
      router: this.router,
      ownerOf: (key) => this.#table.get(key),
      // Record on demand: the recording service when there is one, else a plain stereo file.
      recordOnDemand: async (call, tenantId) => {
        if (flows.recordings) return flows.recordings.start(call, tenantId, 'on-demand');
        await call.record(true, await flows.recordingPath(tenantId, call.id, call.nextRecordingNumber()));
      },
      holdMusic: options.holdMusic ?? { kind: 'music' },
    };
  }

  get size(): number {
    return this.#calls.size;
  }

  /** Media endpoint ids of every live call (read-only; for benchmarks and diagnostics). */
  endpoints(): string[] {
    const out: string[] = [];
    for (const c of this.#calls) out.push(...c.endpoints);
    return out;
  }

  live(tenantId: string): LiveCall[] {
    const out: LiveCall[] = [];
    for (const c of this.#calls) {
      if (c.tenantId !== tenantId) continue;
      out.push({
        id: c.id,
        direction: c.direction,
        caller: c.caller.number,
        callee: c.callee.number,
        state: c.state,
        startedAt: c.startedAt.toISOString(),
        answeredAt: c.answeredAt?.toISOString() ?? null,
      });
    }
    return out;
  }

  private lineBusy(lineId: string): boolean {
    for (const c of this.#calls)
      if (c.state !== 'ended' && (c.caller.lineId === lineId || c.calleeLineId === lineId)) return true;
    return false;
  }

  async onRequest(request: SipRequest, tx: ServerTransaction, flow: Flow): Promise<void> {
    const toTag = request.to.tag;
    if (request.method === 'INVITE' && toTag === undefined) return this.onInvite(request, tx, flow);
    const call = toTag === undefined ? undefined : this.#table.get(`${request.callId}|${toTag}`);
    if (!call) {
      tx.respond(createResponse(request, 481));
      return;
    }
    await call.inDialog(request, tx);
  }

  private async onInvite(request: SipRequest, tx: ServerTransaction, flow: Flow): Promise<void> {
    if (this.#stopping) {
      tx.respond(createResponse(request, 503));
      return;
    }
    const { directory } = this.options;
    const trunk = directory.trunkBySource(flow.address, flow.port);
    if (trunk) {
      const uri = request.uri;
      const dialed =
        ('user' in uri ? uri.user : undefined) ??
        ('user' in request.to.uri ? request.to.uri.user : undefined);
      const fromUri = request.from.uri;
      const fromUser = 'user' in fromUri ? (fromUri.user ?? '') : '';
      const plan = await this.router.fromTrunk(dialed ?? '', {
        number: carrierNumber(fromUser) ?? (fromUser || 'anonymous'),
        name: request.from.displayName,
        anonymous: false,
      });
      if ('status' in plan) {
        tx.respond(createResponse(request, plan.status, plan.reason));
        return;
      }
      const tenant = directory.tenant(plan.tenantId);
      return this.start(request, tx, flow, plan.tenantId, tenant?.country ?? 'US', plan, trunk.id);
    }
    const auth = await this.options.auth.authenticate(request, flow);
    if (!auth.ok) {
      tx.respond(auth.response);
      return;
    }
    // RFC 3891 §3: a phone's INVITE that replaces a dialog of ours takes that party's place.
    if (request.has('Replaces')) return this.replaceDialog(request, tx, flow, auth.tenant.id, auth.line.id);
    const uri = request.uri;
    const dialed = 'user' in uri ? uri.user : undefined;
    if (!dialed) {
      tx.respond(createResponse(request, 404, 'No number dialled'));
      return;
    }
    const plan = await this.router.fromLine(auth.tenant, auth.line, dialed);
    if ('status' in plan) {
      tx.respond(createResponse(request, plan.status, plan.reason));
      return;
    }
    return this.start(request, tx, flow, auth.tenant.id, auth.tenant.country, plan, null);
  }

  /** An INVITE with Replaces: the call owning the named dialog decides (481 when none does). */
  private async replaceDialog(
    request: SipRequest,
    tx: ServerTransaction,
    flow: Flow,
    tenantId: string,
    lineId: string,
  ): Promise<void> {
    let replaces: ReturnType<typeof parseReplaces>;
    try {
      replaces = parseReplaces(request.replaces);
    } catch {
      replaces = undefined;
    }
    if (!replaces) {
      tx.respond(createResponse(request, 400, 'Bad Replaces'));
      return;
    }
    // The tags as the recipient sees the dialog: to-tag is ours (RFC 3891 §3).
    const key = `${replaces.callId}|${replaces.toTag}`;
    const owner = this.#table.get(key);
    if (!(owner instanceof Call) || owner.tenantId !== tenantId) {
      tx.respond(createResponse(request, 481));
      return;
    }
    return owner.features.replaceParty(key, replaces, request, tx, flow, lineId);
  }

  private async start(
    request: SipRequest,
    tx: ServerTransaction,
    flow: Flow,
    tenantId: string,
    country: string,
    plan: Plan | FlowPlan | ServicePlan,
    trunkId: string | null,
  ): Promise<void> {
    const deps = this.callDeps(tenantId, country, 'service' in plan ? plan.service.mediaGroup : undefined);
    const call = new Call(
      { ...deps, inCall: this.#inCall },
      request,
      tx,
      flow,
      tenantId,
      plan.direction,
      plan.caller,
      'first' in plan ? plan.first.callee : { number: plan.called, name: null },
      trunkId,
    );
    // A CANCEL during routing was answered 487 by the stack: there is no call to place.
    if (tx.state !== 'proceeding' && tx.state !== 'trying') {
      if ('first' in plan) plan.first.external?.release();
      return;
    }
    this.#calls.add(call);
    try {
      if ('first' in plan) await call.run(plan.first, plan.next);
      else if ('service' in plan) {
        if (await call.prepare()) await call.runService(plan.service);
      } else await this.runFlow(call, plan);
    } catch (e) {
      await call.abort(e);
    }
  }

  /**
   * What a call of this tenant needs from the engine. Also for calls Switchboard places
   * itself (queue callbacks): their legs join the same dialog table.
   */
  callDeps(tenantId: string, country: string, mediaGroup?: string): CallDeps {
    return {
      ctx: this.#ctx,
      media: this.options.media,
      events: this.options.events,
      cdrs: this.options.cdrs,
      log: this.options.logger,
      sessionExpires: this.options.sessionExpires,
      country,
      mediaGroup,
      track: (key, owner) => this.#table.set(key, owner),
      untrack: (key) => this.#table.delete(key),
      ended: (call) => this.#calls.delete(call),
      charge: (e164, seconds) => this.guard.charge(tenantId, this.options.directory.rates, e164, seconds),
    };
  }

  /** A live call of a tenant by its id (the API's in-call controls). */
  call(tenantId: string, callId: string): Call | undefined {
    for (const c of this.#calls)
      if (c.id === callId && c.tenantId === tenantId && c.state !== 'ended') return c;
    return undefined;
  }

  /** Live calls of a tenant (for spy, pickup and transfers by feature code). */
  calls(tenantId: string): Call[] {
    return [...this.#calls].filter((c) => c.tenantId === tenantId && c.state !== 'ended');
  }

  /** Runs the call through the flow version it entered; the trace is an event once it is over. */
  private async runFlow(call: Call, plan: FlowPlan): Promise<void> {
    if (!(await call.prepare())) return;
    const services: FlowServices = {
      ...this.options.flows,
      router: this.router,
      resolve: (r) => this.options.stack.resolve(r),
      log: this.options.logger,
    };
    const effects = new CallFlowEffects(call, plan.tenant, services);
    const caller = { number: plan.caller.number, name: plan.caller.name };
    const result = await runFlow(plan.workspace, plan.entryNodeId, { caller, called: plan.called }, effects);
    if (result.end.reason === 'error')
      this.options.logger.error({ call: call.id, end: result.end }, 'call flow failed');
    // Every path ends in a hang-up; this only makes sure no call outlives its flow.
    await call.endFromFlow(`flow ended: ${result.end.reason}`);
    this.options.events.emit({
      type: 'flow',
      callId: call.id,
      tenantId: call.tenantId,
      version: plan.version,
      steps: result.steps,
      end: result.end,
    });
  }

  onAck(ack: SipRequest, _flow: Flow): void {
    const tag = ack.to.tag;
    if (tag !== undefined) this.#table.get(`${ack.callId}|${tag}`)?.onAck(ack);
  }

  onStrayResponse(response: SipResponse, _flow: Flow): void {
    const tag = response.from.tag;
    this.#table.get(`${response.callId}|${tag}`)?.strayResponse(response);
  }

  onMediaEvent(event: MediaEvent): void {
    if (!('endpointId' in event)) return;
    const call = this.#table.get(`ep:${event.endpointId}`);
    if (!call) return;
    if (event.type === 'playback-ended')
      call.playbackEnded(event.endpointId, event.playbackId, event.reason, event.digit);
    else if (event.type === 'dtmf') call.dtmf(event.endpointId, event.digit);
    else if (event.type === 'media-timeout') {
      if (call instanceof Call) call.mediaTimeoutOn(event.endpointId);
      else call.mediaTimeout();
    }
  }

  /** Ends every call (BYE or CANCEL) for a clean shutdown. */
  async shutdown(): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#calls].map((c) => c.hangup('system', 'server shutting down')));
  }
}
