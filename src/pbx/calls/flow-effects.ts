// A call flow acting on a live call: the FlowEffects the interpreter calls, done with the
// call's legs and media. The simulator implements the same interface from a scenario, so what
// a simulation shows is what a call does.
import type { Logger } from 'pino';
import type {
  CallerIdentity,
  EmailMessage,
  FlowEffects,
  HttpReply,
  HttpRequest,
  PromptRef,
  QueueOutcome,
  QueueRequest,
  RingOutcome,
  RingRequest,
  RingTarget,
  VoicemailRequest,
} from '../../flows/index.ts';
import type { PromptSource } from '../../media/index.ts';
import { parseSipUri, SipRequest, type Target } from '../../sip/index.ts';
import type { TenantRoute } from '../directory.ts';
import type { Call } from './call.ts';
import type { CallRouter } from './call-router.ts';
import type { Party } from './call-types.ts';

/** Queues on live calls (src/pbx/queues): holds the caller until an agent or an outcome. */
export interface QueueRuntime {
  wait(call: Call, tenant: TenantRoute, req: QueueRequest): Promise<QueueOutcome>;
}

/** Voicemail on live calls (src/pbx/voicemail): leave a message or listen to a box. */
export interface VoicemailRuntime {
  run(call: Call, tenant: TenantRoute, req: VoicemailRequest): Promise<void>;
}

/** Why a recording is made; it is kept with the recording (src/pbx/recording). */
export type RecordingSource = 'line' | 'flow' | 'queue' | 'on-demand';

/** Starts and stops recordings of a call, writing them down with their retention. */
export interface CallRecordings {
  start(call: Call, tenantId: string, source: RecordingSource, extra?: { queueId?: string }): Promise<void>;
  stop(call: Call): Promise<void>;
}

/** What the flow runtime needs from outside the call path. */
export interface FlowServices {
  router: CallRouter;
  /** RFC 3263 targets for a SIP URI. */
  resolve(request: SipRequest): Promise<Target[]>;
  /** An audio prompt of the tenant's library, as something the media engine plays. */
  promptSource(tenantId: string, promptId: string): Promise<PromptSource | undefined>;
  http(req: HttpRequest): Promise<HttpReply>;
  sendMail?: ((tenantId: string, msg: EmailMessage) => Promise<void>) | undefined;
  lastAgent(tenantId: string, callerNumber: string, withinHours: number): Promise<RingTarget | undefined>;
  /** Where a recording of this call goes (used when no `recordings` service is given). */
  recordingPath(tenantId: string, callId: string, n: number): Promise<string>;
  queues?: QueueRuntime | undefined;
  voicemail?: VoicemailRuntime | undefined;
  recordings?: CallRecordings | undefined;
  log: Logger;
}

export class CallFlowEffects implements FlowEffects {
  #recordings = 0;

  constructor(
    private readonly call: Call,
    private readonly tenant: TenantRoute,
    private readonly services: FlowServices,
  ) {}

  now(): Date {
    return new Date();
  }

  async play(prompt: PromptRef, opts: { bargeIn: boolean; nodeId: string }): Promise<string | undefined> {
    const source: PromptSource | undefined =
      prompt.kind === 'tts'
        ? {
            kind: 'tts',
            text: prompt.text,
            language: prompt.language,
            ...(prompt.voice ? { voice: prompt.voice } : {}),
          }
        : await this.services.promptSource(this.tenant.id, prompt.promptId);
    if (!source) {
      // Deleted since publishing (deletion of a referenced prompt is refused, so rare): skip it.
      this.services.log.warn({ call: this.call.id, node: opts.nodeId }, 'prompt not found; skipped');
      return undefined;
    }
    return this.call.playToCaller(source, opts.bargeIn);
  }

  readDigit(timeoutMs: number): Promise<string | undefined> {
    return this.call.readDigit(timeoutMs);
  }

  ring(req: RingRequest): Promise<RingOutcome> {
    const step = this.services.router.ringStep(this.tenant, req.targets, party(req.caller), req.timeoutSec);
    return this.call.ringAndTalk(step);
  }

  async forwardPhone(req: {
    number: string;
    caller: CallerIdentity;
    timeoutSec: number;
    nodeId: string;
  }): Promise<RingOutcome> {
    const step = await this.services.router.phoneStep(
      this.tenant,
      req.number,
      party(req.caller),
      req.timeoutSec,
    );
    if (!('legs' in step)) {
      this.services.log.info(
        { call: this.call.id, node: req.nodeId, reason: step.reason },
        'forward refused',
      );
      return 'failed';
    }
    return this.call.ringAndTalk(step);
  }

  async forwardSip(req: {
    uri: string;
    username?: string | undefined;
    password?: string | undefined;
    caller: CallerIdentity;
    timeoutSec: number;
    nodeId: string;
  }): Promise<RingOutcome> {
    const uri = parseSipUri(req.uri);
    if (!uri) return 'failed';
    const targets = await this.services.resolve(new SipRequest('INVITE', uri)).catch(() => []);
    if (targets.length === 0) return 'failed';
    const credentials =
      req.username && req.password ? { username: req.username, password: req.password } : undefined;
    const step = this.services.router.sipUriStep(
      uri,
      targets,
      party(req.caller),
      credentials,
      req.timeoutSec,
    );
    return this.call.ringAndTalk(step);
  }

  queue(req: QueueRequest): Promise<QueueOutcome> {
    if (!this.services.queues) throw new Error('queues are not running on this server');
    return this.services.queues.wait(this.call, this.tenant, req);
  }

  voicemail(req: VoicemailRequest): Promise<void> {
    if (!this.services.voicemail) throw new Error('voicemail is not running on this server');
    return this.services.voicemail.run(this.call, this.tenant, req);
  }

  async record(on: boolean): Promise<void> {
    const recordings = this.services.recordings;
    if (recordings)
      return on ? recordings.start(this.call, this.tenant.id, 'flow') : recordings.stop(this.call);
    const path = on
      ? await this.services.recordingPath(this.tenant.id, this.call.id, ++this.#recordings)
      : '';
    return this.call.record(on, path);
  }

  http(req: HttpRequest): Promise<HttpReply> {
    return this.services.http(req);
  }

  async email(msg: EmailMessage): Promise<void> {
    if (!this.services.sendMail) {
      this.services.log.warn({ call: this.call.id, node: msg.nodeId }, 'no mailer: flow email not sent');
      return;
    }
    // A mail server that is down must not hold up the caller: sent in the background.
    void this.services
      .sendMail(this.tenant.id, msg)
      .catch((e: unknown) => this.services.log.warn({ err: e, node: msg.nodeId }, 'flow email failed'));
  }

  lastAgent(callerNumber: string, withinHours: number): Promise<RingTarget | undefined> {
    return this.services.lastAgent(this.tenant.id, callerNumber, withinHours);
  }

  hangup(): Promise<void> {
    return this.call.endFromFlow('flow ended');
  }
}

function party(c: CallerIdentity): Party {
  return { number: c.number, name: c.name };
}
