// Registrations of Switchboard to carriers (trunks with authMode 'register', RFC 3261 §10.2):
// REGISTER to the carrier's registrar, answer its digest challenge, refresh before the
// binding expires, fail over to the secondary host when the primary does not answer, and go
// back to the primary later. Follows the directory: trunks added, changed or removed there
// start, restart or stop here. The password is used for digests only and never logged.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import {
  DigestClient,
  escapeUser,
  hostPort,
  newCallId,
  newTag,
  SipRequest,
  type SipResponse,
  type SipStack,
  SipUri,
  type Target,
} from '../sip/index.ts';
import type { Directory, TrunkRoute } from './directory.ts';
import type { PbxEvents } from './events.ts';

export interface TrunkRegistrationState {
  trunkId: string;
  state: 'registering' | 'registered' | 'failed' | 'unregistered';
  /** host:port currently registered to (primary or secondary). */
  registrar: string;
  expiresAt: string | null;
  lastError: string | null;
}

export interface TrunkRegistrationsOptions {
  stack: SipStack;
  directory: Directory;
  events: PbxEvents;
  logger: Logger;
  /** First retry delay after a failure, doubled up to maxRetryMs (default Timer F, 64*T1). */
  retryMs?: number;
  /** Longest retry delay (default 10 minutes). */
  maxRetryMs?: number;
  /** How long stop() waits for the unregistrations (default 2 s). */
  stopTimeoutMs?: number;
  /** Host name to address (default node:dns lookup; IP literals are used as they are). */
  resolveHost?: (host: string) => Promise<string>;
  now?: () => number;
}

interface Server {
  host: string;
  port: number;
}

type Outcome =
  | { ok: true; expires: number }
  | { ok: false; unreachable: boolean; error: string; retryAfter?: number };

/** The fields of a trunk whose change restarts its registration. */
function fingerprint(t: TrunkRoute): string {
  return JSON.stringify([
    t.host,
    t.port,
    t.transport,
    t.secondaryHost,
    t.secondaryPort,
    t.username,
    t.password,
    t.registerExpires,
  ]);
}

const wantsRegistration = (t: TrunkRoute): boolean =>
  t.authMode === 'register' && !!t.username && t.password !== null;

export class TrunkRegistrations {
  readonly #regs = new Map<string, Registration>();
  #started = false;
  readonly #log: Logger;

  constructor(private readonly options: TrunkRegistrationsOptions) {
    this.#log = options.logger.child({ component: 'trunk-registrations' });
  }

  /** Registers every trunk that needs it, and follows directory reloads from now on. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const previous = this.options.directory.onReload;
    this.options.directory.onReload = () => {
      previous?.();
      this.sync();
    };
    this.sync();
  }

  /** Starts new trunks, restarts changed ones and unregisters removed ones. */
  sync(): void {
    if (!this.#started) return;
    const wanted = new Map(
      this.options.directory
        .trunks()
        .filter(wantsRegistration)
        .map((t) => [t.id, t]),
    );
    const stopping = new Map<string, Promise<void>>();
    for (const [id, reg] of this.#regs) {
      const t = wanted.get(id);
      if (t && fingerprint(t) === reg.fingerprint) continue;
      this.#regs.delete(id);
      stopping.set(id, this.bounded(reg.stop(true)));
    }
    for (const [id, t] of wanted) {
      if (this.#regs.has(id)) continue;
      const reg = new Registration(t, this.options, this.#log);
      this.#regs.set(id, reg);
      // A changed trunk registers anew only after the old binding's removal, which would
      // otherwise race with (and could undo) the new one at the same registrar.
      reg.start(stopping.get(id));
    }
  }

  status(trunkId: string): TrunkRegistrationState | undefined {
    return this.#regs.get(trunkId)?.status();
  }

  all(): TrunkRegistrationState[] {
    return [...this.#regs.values()].map((r) => r.status());
  }

  /** Unregisters from every carrier (Expires: 0), best effort and bounded in time. */
  async stop(): Promise<void> {
    this.#started = false;
    const regs = [...this.#regs.values()];
    this.#regs.clear();
    await this.bounded(Promise.all(regs.map((r) => r.stop(true))).then(() => {}));
  }

  /** Waits for an unregistration at most stopTimeoutMs: a carrier that does not answer holds nothing up. */
  private async bounded(p: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.stopTimeoutMs ?? 2000);
    });
    await Promise.race([p.catch(() => {}), limit]);
    clearTimeout(timer);
  }
}

/** One trunk's registration: a small loop of REGISTER attempts and timers. */
class Registration {
  readonly fingerprint: string;
  #state: TrunkRegistrationState['state'] = 'registering';
  #current: Server;
  #expiresAt: number | null = null;
  #lastError: string | null = null;
  /** The registrar the last 'registered' event named. */
  #announced = '';
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  /** Consecutive failures: the retry delay doubles with each. */
  #failures = 0;
  /** While on the secondary: when to try the primary again, and how long the next wait is. */
  #primaryRetryAt = 0;
  #primaryBackoff = 0;
  /** One Call-ID per registrar, CSeq rising across its requests (§10.2.4). */
  readonly #dialogs = new Map<string, { callId: string; tag: string; cseq: number }>();
  readonly #digest: DigestClient;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;

  constructor(
    private readonly trunk: TrunkRoute,
    private readonly options: TrunkRegistrationsOptions,
    log: Logger,
  ) {
    this.fingerprint = fingerprint(trunk);
    this.#current = this.primary;
    this.#digest = new DigestClient({ username: trunk.username ?? '', password: trunk.password ?? '' });
    this.#log = log.child({ trunkId: trunk.id, trunk: trunk.name });
    this.#now = options.now ?? Date.now;
    this.#retryMs = options.retryMs ?? 64 * options.stack.timers.T1;
    this.#maxRetryMs = Math.max(this.#retryMs, options.maxRetryMs ?? 600_000);
  }

  private get primary(): Server {
    return { host: this.trunk.host, port: this.trunk.port };
  }

  private get secondary(): Server | undefined {
    const { secondaryHost, secondaryPort } = this.trunk;
    return secondaryHost ? { host: secondaryHost, port: secondaryPort ?? 5060 } : undefined;
  }

  status(): TrunkRegistrationState {
    return {
      trunkId: this.trunk.id,
      state: this.#state,
      registrar: label(this.#current),
      expiresAt: this.#expiresAt === null ? null : new Date(this.#expiresAt).toISOString(),
      lastError: this.#lastError,
    };
  }

  start(after?: Promise<void>): void {
    if (after) void after.then(() => this.cycle());
    else void this.cycle();
  }

  /** Stops refreshing; with `unregister`, removes the binding at the carrier (best effort). */
  async stop(unregister: boolean): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    const wasRegistered = this.#state === 'registered';
    this.#state = 'unregistered';
    this.#expiresAt = null;
    if (unregister && wasRegistered) {
      const outcome = await this.attempt(this.#current, 0, true).catch(() => undefined);
      if (outcome && !outcome.ok) this.#log.info({ error: outcome.error }, 'carrier unregistration failed');
    }
    this.emit('unregistered', this.#current);
  }

  /** One round: register (or refresh) with the registrar in use, failing over as needed. */
  private async cycle(): Promise<void> {
    if (this.#stopped) return;
    const secondary = this.secondary;
    // Back on the primary once it answers again; the secondary's binding is removed then.
    const onSecondary =
      secondary && sameServer(this.#current, secondary) && !sameServer(secondary, this.primary);
    if (onSecondary && this.#now() >= this.#primaryRetryAt) {
      const back = await this.attempt(this.primary, this.trunk.registerExpires);
      if (this.#stopped) return;
      if (back.ok) {
        const old = this.#current;
        this.#current = this.primary;
        this.#primaryBackoff = 0;
        void this.attempt(old, 0, true).catch(() => {});
        return this.registered(back.expires);
      }
      this.#primaryBackoff = Math.min(this.#maxRetryMs, this.#primaryBackoff * 2 || this.#retryMs);
      this.#primaryRetryAt = this.#now() + this.#primaryBackoff;
      this.#log.info({ error: back.error }, 'primary registrar still failing');
    }
    const server = this.#current;
    const outcome = await this.attempt(server, this.trunk.registerExpires);
    if (this.#stopped) return;
    if (outcome.ok) return this.registered(outcome.expires);
    if (
      outcome.unreachable &&
      secondary &&
      sameServer(server, this.primary) &&
      !sameServer(secondary, server)
    ) {
      this.#log.warn(
        { registrar: label(server), error: outcome.error },
        'primary registrar failed, trying secondary',
      );
      this.#current = secondary;
      this.#primaryBackoff = this.#retryMs;
      this.#primaryRetryAt = this.#now() + this.#primaryBackoff;
      const second = await this.attempt(secondary, this.trunk.registerExpires);
      if (this.#stopped) return;
      if (second.ok) return this.registered(second.expires);
      return this.failed(second);
    }
    this.failed(outcome);
  }

  private registered(expires: number): void {
    const was = this.#state;
    const now = this.#now();
    this.#state = 'registered';
    this.#expiresAt = now + expires * 1000;
    this.#lastError = null;
    this.#failures = 0;
    if (was !== 'registered' || this.#announced !== label(this.#current)) {
      this.#announced = label(this.#current);
      this.#log.info({ registrar: label(this.#current), expires }, 'registered to carrier');
      this.emit('registered', this.#current);
    }
    // Refresh at 80% of the granted time; from the secondary, try the primary again sooner.
    let delay = Math.max(1000, expires * 800);
    if (!sameServer(this.#current, this.primary))
      delay = Math.min(delay, Math.max(0, this.#primaryRetryAt - now));
    this.schedule(delay);
  }

  private failed(outcome: Extract<Outcome, { ok: false }>): void {
    this.#state = 'failed';
    this.#expiresAt = null;
    this.#lastError = outcome.error;
    this.#announced = '';
    this.#failures++;
    const failing = this.#current;
    // Both registrars failed: start again from the primary next time.
    this.#current = this.primary;
    const delay =
      outcome.retryAfter !== undefined
        ? outcome.retryAfter * 1000
        : Math.min(this.#maxRetryMs, this.#retryMs * 2 ** Math.min(this.#failures - 1, 20));
    this.#log.warn(
      { registrar: label(failing), error: outcome.error, retryInMs: delay },
      'carrier registration failed',
    );
    this.emit('failed', failing, outcome.error);
    this.schedule(delay);
  }

  private schedule(ms: number): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.cycle(), ms);
    this.#timer.unref();
  }

  private emit(state: 'registered' | 'failed' | 'unregistered', server: Server, detail?: string): void {
    this.options.events.emit({
      type: 'trunk-registration',
      trunkId: this.trunk.id,
      state,
      host: label(server),
      ...(detail === undefined ? {} : { detail }),
    });
  }

  /** One REGISTER exchange with a registrar, answering up to two digest challenges. */
  private async attempt(server: Server, expires: number, force = false): Promise<Outcome> {
    if (this.#stopped && !force) return { ok: false, unreachable: false, error: 'stopped' };
    let target: Target;
    try {
      target = await this.target(server);
    } catch (e) {
      return { ok: false, unreachable: true, error: `cannot resolve ${server.host}: ${errorText(e)}` };
    }
    let challenges = 0;
    let request = this.build(server, expires);
    let lastNonce: string | undefined;
    let tooBrief = false;
    for (;;) {
      const answer = await this.send(request, target);
      if ('error' in answer) return { ok: false, unreachable: true, error: answer.error };
      const r = answer.response;
      if (r.status >= 200 && r.status < 300)
        return { ok: true, expires: grantedExpires(r, request, expires) };
      if (r.status === 401 || r.status === 407) {
        const nonce = nonceOf(r);
        // A second challenge with a new nonce is fine (stale, or a registrar that re-challenges);
        // the same nonce again means the credentials are wrong.
        if (challenges >= 2 || (lastNonce !== undefined && nonce === lastNonce && !isStale(r)))
          return { ok: false, unreachable: false, error: `${r.status} ${r.reason} (credentials refused)` };
        challenges++;
        lastNonce = nonce;
        const next = this.build(server, expires, request);
        if (!this.#digest.authorize(next, r))
          return { ok: false, unreachable: false, error: `${r.status} ${r.reason} (no usable challenge)` };
        request = next;
        continue;
      }
      if (r.status === 423 && !tooBrief) {
        // §10.2.8: ask again with at least Min-Expires.
        const min = Number(r.get('Min-Expires'));
        if (Number.isFinite(min) && min > expires && expires !== 0) {
          tooBrief = true;
          expires = min;
          request = this.build(server, expires, request);
          continue;
        }
      }
      const error = `${r.status} ${r.reason}`;
      const retryAfter = Number.parseInt(r.get('Retry-After') ?? '', 10);
      return {
        ok: false,
        unreachable: r.status >= 500 || r.status === 408,
        error,
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfter } : {}),
      };
    }
  }

  /** The REGISTER for a registrar; a follow-up keeps the Call-ID and the auth headers. */
  private build(server: Server, expires: number, previous?: SipRequest): SipRequest {
    const { stack } = this.options;
    const key = label(server);
    let dialog = this.#dialogs.get(key);
    if (!dialog) {
      dialog = { callId: newCallId(), tag: newTag(), cseq: 0 };
      this.#dialogs.set(key, dialog);
    }
    dialog.cseq++;
    const host = uriHost(server.host);
    const transport = this.trunk.transport;
    const tp = transport === 'udp' ? '' : `;transport=${transport}`;
    const req = new SipRequest('REGISTER', SipUri.parse(`sip:${host}:${server.port}${tp}`));
    const user = escapeUser(this.trunk.username ?? '');
    req.append('From', `<sip:${user}@${host}>;tag=${dialog.tag}`);
    req.append('To', `<sip:${user}@${host}>`);
    req.append('Call-ID', dialog.callId);
    req.append('CSeq', `${dialog.cseq} REGISTER`);
    req.append('Contact', `<sip:${user}@${stack.hostPort(transport)}${tp}>`);
    req.append('Expires', String(expires));
    req.append('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO');
    req.append('User-Agent', 'Switchboard');
    if (previous) {
      for (const h of ['Authorization', 'Proxy-Authorization']) {
        const v = previous.get(h);
        if (v !== undefined) req.append(h, v);
      }
    }
    return req;
  }

  /** Sends one request in a client transaction; resolves with its final response or the failure. */
  private send(request: SipRequest, target: Target): Promise<{ response: SipResponse } | { error: string }> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (v: { response: SipResponse } | { error: string }) => {
        if (done) return;
        done = true;
        resolve(v);
      };
      this.options.stack
        .request(
          request,
          {
            onResponse: (response) => {
              if (response.status >= 200) finish({ response });
            },
            onTimeout: () => finish({ error: 'timeout' }),
            onTransportError: (e) => finish({ error: `transport error: ${e.message}` }),
            // Termination is reported before the timeout or transport error that caused it.
            onTerminated: () => queueMicrotask(() => finish({ error: 'no final response' })),
          },
          { target },
        )
        .catch((e: unknown) => finish({ error: `transport error: ${errorText(e)}` }));
    });
  }

  private async target(server: Server): Promise<Target> {
    const host = server.host.replace(/^\[(.*)\]$/, '$1');
    const address = isIP(host) ? host : await (this.options.resolveHost ?? resolveHost)(host);
    return { protocol: this.trunk.transport, address, port: server.port };
  }
}

async function resolveHost(host: string): Promise<string> {
  return (await lookup(host)).address;
}

/** The expiry the registrar granted our contact: its Contact expires param, else Expires (§10.2.4); 0 means it said nothing usable. */
function grantedExpires(response: SipResponse, request: SipRequest, asked: number): number {
  try {
    const ours = request.contact;
    const listed = response.contact;
    if (ours !== '*' && listed !== '*' && ours[0]) {
      const mine = ours[0].uri;
      const match = listed.find((c) => c.uri.equals(mine)) ?? (listed.length === 1 ? listed[0] : undefined);
      const param = match?.param('expires');
      if (param && /^\d+$/.test(param) && Number(param) > 0) return Number(param);
    }
    const header = response.expires;
    if (header !== undefined && header > 0) return header;
  } catch {
    // A malformed Contact or Expires in the 200: keep what we asked for.
  }
  return asked;
}

function nonceOf(r: SipResponse): string | undefined {
  try {
    const c = r.status === 407 ? r.proxyAuthenticate : r.wwwAuthenticate;
    return c[0]?.params.get('nonce');
  } catch {
    return undefined;
  }
}

function isStale(r: SipResponse): boolean {
  const h = r.getAll(r.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate').join(',');
  return /stale\s*=\s*"?true/i.test(h);
}

function label(s: Server): string {
  return hostPort(s.host.replace(/^\[(.*)\]$/, '$1'), s.port);
}

function sameServer(a: Server, b: Server): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}

function uriHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
