// The phone system of one node: the SIP stack and media engine below, the registrar, the
// call engine and the carrier registrations above, all reading routing from the Directory.
// The SIP delegate here only dispatches by method.
import { createSocket } from 'node:dgram';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { EmailMessage } from '../flows/index.ts';
import { MediaEngine, type PromptSource } from '../media/index.ts';
import {
  createResponse,
  type DigestAlgorithm,
  type Flow,
  type ServerTransaction,
  type SipRequest,
  SipStack,
  StreamTransport,
  type Transport,
  UdpTransport,
  WsTransport,
} from '../sip/index.ts';
import type { Db } from '../store/database.ts';
import { AuthFailureBan } from './auth-ban.ts';
import { CallEngine } from './calls/call-engine.ts';
import { lastAgent } from './calls/call-history.ts';
import { CdrWriter } from './calls/cdr-writer.ts';
import { Directory } from './directory.ts';
import { PbxEvents } from './events.ts';
import { queueAgentCodes } from './features/agent-codes.ts';
import { DialledFeatures } from './features/dialled.ts';
import { flowHttpRequest } from './flow-http.ts';
import { LineAuthenticator } from './line-auth.ts';
import { type LocationService, MemoryLocationService } from './location.ts';
import { QueueService } from './queues/queue-service.ts';
import { RecordingService, type RecordingServiceOptions } from './recording/index.ts';
import { Registrar } from './registrar.ts';
import { TrunkRegistrations } from './trunk-registrations.ts';
import type { VoicemailMailer } from './voicemail/delivery.ts';
import { MessageWaitingNotifier } from './voicemail/mwi.ts';
import { type GreetingFiles, VoicemailService } from './voicemail/service.ts';

export const ALLOWED_METHODS = [
  'INVITE',
  'ACK',
  'CANCEL',
  'BYE',
  'OPTIONS',
  'REGISTER',
  'UPDATE',
  'INFO',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
];

export interface PbxOptions {
  config: Config;
  db: Db;
  logger: Logger;
  /** The API's HTTP server: SIP over WebSocket is served on its /sip upgrade path. */
  httpServer?: Server;
  /** Absolute path of an uploaded prompt, by file id (announcements). */
  promptPath?: (fileId: string) => Promise<string | undefined>;
  /** An audio prompt of a tenant's library, as the media engine plays it (call flows). */
  promptSource?: (tenantId: string, promptId: string) => Promise<PromptSource | undefined>;
  /** Sends a call flow's email node (the server's mailer). */
  sendMail?: (tenantId: string, message: EmailMessage) => Promise<void>;
  /** Overrides for tests: SIP timers. */
  timers?: { T1?: number; T2?: number; T4?: number };
  /** Digest challenges offered to phones, in order (default: SIP_DIGEST_ALGORITHMS). */
  digestAlgorithms?: DigestAlgorithm[];
  /** Voicemail's way out: new messages by mail (MP3 attached), greetings recorded by phone kept as files. */
  voicemail?: { sendMail?: VoicemailMailer; greetingFiles?: GreetingFiles };
  /** Recordings sent by delivery methods: the mailer, and (tests) a shorter retry schedule. */
  recordingDelivery?: RecordingServiceOptions['delivery'];
}

export class Pbx {
  readonly directory: Directory;
  readonly location: LocationService;
  readonly events = new PbxEvents();
  readonly ban: AuthFailureBan;
  readonly stack: SipStack;
  readonly media: MediaEngine;
  readonly registrar: Registrar;
  readonly calls: CallEngine;
  readonly trunks: TrunkRegistrations;
  readonly cdrs: CdrWriter;
  /** Message-waiting subscriptions of phones (RFC 3842). */
  readonly mwi: MessageWaitingNotifier;
  /** Call recordings: line policy, flow and queue recordings, retention. */
  readonly recordings: RecordingService;
  readonly voicemail: VoicemailService;
  /** Dialled feature codes: DND, forwarding, spy, pickup, and hand-offs to voicemail and queues. */
  readonly features: DialledFeatures;
  /** Call queues on live calls (the flow's queue node), their live state and agents. */
  readonly queues: QueueService;
  readonly #log: Logger;

  private constructor(options: PbxOptions, transports: Transport[]) {
    const { config, db, logger } = options;
    this.#log = logger.child({ component: 'pbx' });
    this.directory = new Directory(db);
    this.location = new MemoryLocationService();
    this.ban = new AuthFailureBan({
      maxFailures: config.sipAuthBanFailures,
      windowMs: config.sipAuthBanWindowSeconds * 1000,
      banMs: config.sipAuthBanSeconds * 1000,
    });
    const publicHost = publicHostOf(config);
    this.stack = new SipStack(
      {
        transports,
        viaHost: publicHost,
        forceRport: true,
        timers: options.timers ?? {},
        policy: { supported: ['path', 'timer', 'replaces', 'outbound'], acceptedBodies: ['application/sdp'] },
        admit: (flow) => !this.ban.isBanned(flow.address),
      },
      {
        onRequest: (request, tx, flow) => this.onRequest(request, tx, flow),
        onAck: (ack, flow) => this.calls.onAck(ack, flow),
        onStrayResponse: (response, flow) => this.calls.onStrayResponse(response, flow),
      },
    );
    this.media = new MediaEngine({
      bindAddress: config.sipHost,
      publicAddress: publicHost,
      portMin: config.rtpPortMin,
      portMax: config.rtpPortMax,
      workers: config.mediaWorkers || Math.max(1, Math.min(availableParallelism(), 4)),
      onEvent: (e) => {
        this.calls.onMediaEvent(e);
        this.recordings.onMediaEvent(e);
      },
    });
    const auth = new LineAuthenticator(
      this.directory,
      this.ban,
      options.digestAlgorithms ?? config.sipDigestAlgorithms,
    );
    this.mwi = new MessageWaitingNotifier({
      stack: this.stack,
      auth,
      directory: this.directory,
      publicHost,
      logger: this.#log,
      // Subscriptions are bounded like registrations: the same shortest and longest interval.
      minExpires: config.registerMinExpires,
      maxExpires: config.registerMaxExpires,
    });
    this.location.onChange = (change) => {
      const b = change.binding;
      this.events.emit({
        type: 'registration',
        change: change.kind,
        tenantId: b.tenantId,
        lineId: b.lineId,
        contact: b.contact,
        userAgent: b.userAgent,
        source: `${b.flow.protocol}:${b.flow.address}:${b.flow.port}`,
        expiresAt: new Date(b.expiresAt).toISOString(),
      });
    };
    this.registrar = new Registrar({
      auth,
      location: this.location,
      minExpires: config.registerMinExpires,
      maxExpires: config.registerMaxExpires,
    });
    this.cdrs = new CdrWriter(db, this.#log);
    this.recordings = new RecordingService({
      db,
      dataDir: config.dataDir,
      directory: this.directory,
      media: this.media,
      events: this.events,
      liveCall: (tenantId, callId) => this.calls.calls(tenantId).find((c) => c.id === callId),
      promptSource: options.promptSource ?? (async () => undefined),
      log: this.#log,
      delivery: options.recordingDelivery,
    });
    this.voicemail = new VoicemailService({
      db,
      dataDir: config.dataDir,
      directory: this.directory,
      mwi: this.mwi,
      logger: this.#log,
      filePath: options.promptPath,
      greetingFiles: options.voicemail?.greetingFiles,
      sendMail: options.voicemail?.sendMail,
    });
    this.queues = new QueueService({
      db,
      directory: this.directory,
      location: this.location,
      events: this.events,
      engine: () => this.calls,
      promptSource: options.promptSource ?? (async () => undefined),
      recordings: () => this.recordings,
      log: this.#log,
    });
    this.calls = new CallEngine({
      stack: this.stack,
      media: this.media,
      directory: this.directory,
      location: this.location,
      auth,
      events: this.events,
      cdrs: this.cdrs,
      db,
      logger: this.#log,
      publicHost,
      sessionExpires: config.sessionExpiresSeconds,
      ...(options.promptPath ? { promptPath: options.promptPath } : {}),
      flows: {
        promptSource: options.promptSource ?? (async () => undefined),
        http: (req) => flowHttpRequest(req, { allowPrivate: config.flowHttpAllowPrivate }),
        sendMail: options.sendMail,
        lastAgent: (tenantId, caller, hours) => lastAgent(db, tenantId, caller, hours),
        recordings: this.recordings,
        voicemail: this.voicemail,
        queues: this.queues,
        recordingPath: async (tenantId, callId, n) => {
          const dir = join(config.dataDir, 'recordings', tenantId);
          await mkdir(dir, { recursive: true });
          return join(dir, `${callId}-${n}.wav`);
        },
      },
    });
    this.features = new DialledFeatures({
      db,
      directory: this.directory,
      media: this.media,
      calls: (tenantId) => this.calls.calls(tenantId),
      log: this.#log,
    });
    // The voicemail code listens to the caller's own box.
    this.features.voicemailListen = (tenant, line) => this.voicemail.listenStep(tenant, line);
    // The agent codes log in, out, pause and resume the caller in its queues.
    this.features.queueAgent = queueAgentCodes(db, (tenantId) => this.queues.reload(tenantId));
    this.calls.router.setFeatures({
      dialled: (tenant, line, caller, dialed) => this.features.dialled(tenant, line, caller, dialed),
      // "When unavailable: voicemail" of a line hands the caller to the person's box.
      voicemailFor: (tenant, line, caller) => this.voicemail.unavailableStep(tenant, line, caller),
    });
    this.trunks = new TrunkRegistrations({
      stack: this.stack,
      directory: this.directory,
      events: this.events,
      logger: this.#log,
    });
  }

  /** Binds SIP (UDP and TCP on one port, WS on the HTTP server) and loads routing. */
  static async start(options: PbxOptions): Promise<Pbx> {
    const { config } = options;
    let last: unknown;
    // With port 0, UDP and TCP must share one free port: pick it, and retry if TCP loses a race.
    for (let attempt = 0; attempt < 10; attempt++) {
      const port = config.sipPort || (await freeUdpPort(config.sipHost));
      const transports: Transport[] = [
        new UdpTransport({ host: config.sipHost, port }),
        new StreamTransport('tcp', { host: config.sipHost, port }),
      ];
      if (options.httpServer) transports.push(new WsTransport({ server: options.httpServer }));
      const pbx = new Pbx(options, transports);
      try {
        await pbx.stack.start();
      } catch (e) {
        last = e;
        await pbx.shutdown();
        if (config.sipPort !== 0) break;
        continue;
      }
      await pbx.directory.reload();
      await pbx.cdrs.start();
      pbx.recordings.open();
      pbx.trunks.start();
      pbx.#log.info(
        {
          udp: pbx.stack.hostPort('udp'),
          tcp: pbx.stack.hostPort('tcp'),
          ws: options.httpServer ? '/sip' : null,
        },
        'SIP listening',
      );
      return pbx;
    }
    throw last;
  }

  get sipPort(): number {
    return this.stack.transport('udp')?.localPort ?? 0;
  }

  private onRequest(request: SipRequest, tx: ServerTransaction, flow: Flow): void {
    const done = (p: Promise<void>) =>
      p.catch((e: unknown) => {
        this.#log.error({ err: e, method: request.method }, 'request handler failed');
        const status = tx.lastStatus;
        if (status < 200) tx.respond(createResponse(request, 500));
      });
    switch (request.method) {
      case 'REGISTER':
        return void done(this.registrar.handle(request, tx, flow));
      case 'OPTIONS': {
        // Keep-alive pings from phones and carriers, and capability queries (§11.2).
        const r = createResponse(request, 200);
        r.append('Allow', ALLOWED_METHODS.join(', '));
        r.append('Accept', 'application/sdp');
        return void tx.respond(r);
      }
      case 'INVITE':
      case 'BYE':
      case 'UPDATE':
      case 'INFO':
      case 'REFER':
        return void done(this.calls.onRequest(request, tx, flow));
      case 'SUBSCRIBE':
        return void done(this.mwi.handle(request, tx, flow));
      case 'NOTIFY':
        // We subscribe to nothing: a NOTIFY matches no subscription of ours (RFC 6665 §4.1.3).
        return void tx.respond(createResponse(request, 481));
      default: {
        const r = createResponse(request, 405);
        r.append('Allow', ALLOWED_METHODS.join(', '));
        return void tx.respond(r);
      }
    }
  }

  /** Ends every call, unregisters from carriers, flushes CDRs and closes sockets. */
  async shutdown(): Promise<void> {
    await this.queues?.close();
    await this.calls?.shutdown().catch(() => {});
    await this.recordings?.close();
    this.mwi?.close();
    await this.voicemail?.idle();
    await this.trunks?.stop().catch(() => {});
    await this.cdrs?.stop().catch(() => {});
    this.location.close();
    await this.stack.stop().catch(() => {});
    await this.media.stop().catch(() => {});
  }
}

function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    s.once('error', reject);
    s.bind(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The address phones and carriers reach us at. */
export function publicHostOf(config: Config): string {
  if (config.sipPublicHost) return config.sipPublicHost;
  return config.sipHost === '0.0.0.0' || config.sipHost === '::' ? '127.0.0.1' : config.sipHost;
}
