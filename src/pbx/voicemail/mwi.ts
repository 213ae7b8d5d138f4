// Message-waiting indication (RFC 3842) over SIP events (RFC 6665): a registered phone
// subscribes to `message-summary` for its own mailbox and is told, at once and on every
// change, how many new and saved voice messages wait. Each subscription is a UAS dialog
// created by the SUBSCRIBE (§4.2.1.1); its NOTIFYs go along the flow the SUBSCRIBE came in
// on, as a call leg's requests do, so phones behind NAT or on WebSocket are reached.
import type { Logger } from 'pino';
import {
  createResponse,
  Dialog,
  type Flow,
  newTag,
  type ServerTransaction,
  SipError,
  type SipRequest,
  type SipResponse,
  type SipStack,
  SipUri,
} from '../../sip/index.ts';
import type { Directory, LineRoute, TenantRoute } from '../directory.ts';
import type { LineAuthenticator } from '../line-auth.ts';

export const MESSAGE_SUMMARY = 'message-summary';
const BODY_TYPE = 'application/simple-message-summary';

export interface MessageCounts {
  readonly new: number;
  readonly old: number;
  readonly urgentNew?: number;
  readonly urgentOld?: number;
}

/** The counts of a line's mailbox (the person's voicemail box). */
export type MessageCountSource = (tenantId: string, lineId: string) => Promise<MessageCounts>;

export interface MessageWaitingOptions {
  stack: SipStack;
  auth: LineAuthenticator;
  directory: Directory;
  /** The host phones reach us at, written in our Contact. */
  publicHost: string;
  logger?: Logger;
  /** Seconds granted when the SUBSCRIBE names none (RFC 3842 §4.4 leaves it to us). */
  defaultExpires?: number;
  minExpires?: number;
  maxExpires?: number;
  /** Subscriptions kept per line; a new one beyond this ends the oldest. */
  maxPerLine?: number;
  /** Subscriptions kept in all; beyond this a new one gets 503. */
  maxTotal?: number;
}

interface Subscription {
  readonly dialog: Dialog;
  readonly tenantId: string;
  readonly lineId: string;
  /** RFC 3842 §5.2 Message-Account: the line's address of record. */
  readonly account: string;
  /** The Event header as the subscriber wrote it, id parameter included (RFC 6665 §8.2.1). */
  readonly event: string;
  readonly flow: Flow;
  readonly createdAt: number;
  expiresAt: number;
  timer: NodeJS.Timeout | undefined;
  /** A NOTIFY is in its transaction: the next one waits so CSeqs arrive in order. */
  sending: boolean;
  /** Another NOTIFY is wanted once the one in flight completes. */
  again: boolean;
  /** Set once the final NOTIFY (Subscription-State: terminated) has been queued. */
  terminated: string | undefined;
}

const NO_MESSAGES: MessageCounts = { new: 0, old: 0 };

/** The RFC 3842 §5.2 body: Messages-Waiting, Message-Account, Voice-Message new/old (urgent). */
export function messageSummary(counts: MessageCounts, account: string): string {
  const waiting = counts.new > 0 ? 'yes' : 'no';
  return (
    `Messages-Waiting: ${waiting}\r\n` +
    `Message-Account: ${account}\r\n` +
    `Voice-Message: ${counts.new}/${counts.old} (${counts.urgentNew ?? 0}/${counts.urgentOld ?? 0})\r\n`
  );
}

export class MessageWaitingNotifier {
  /** Where counts come from; the voicemail service sets it when it starts. */
  source: MessageCountSource = async () => NO_MESSAGES;
  readonly #subs = new Map<string, Subscription>();
  readonly #byLine = new Map<string, Set<Subscription>>();
  readonly #defaultExpires: number;
  readonly #minExpires: number;
  readonly #maxExpires: number;
  readonly #maxPerLine: number;
  readonly #maxTotal: number;
  #closed = false;

  constructor(private readonly options: MessageWaitingOptions) {
    this.#defaultExpires = options.defaultExpires ?? 3600;
    this.#minExpires = options.minExpires ?? 60;
    this.#maxExpires = options.maxExpires ?? 7200;
    this.#maxPerLine = options.maxPerLine ?? 10;
    this.#maxTotal = options.maxTotal ?? 100_000;
  }

  /** Live subscriptions (for tests and metrics). */
  get size(): number {
    return this.#subs.size;
  }

  /** Live subscriptions of one line. */
  subscriptions(lineId: string): number {
    return this.#byLine.get(lineId)?.size ?? 0;
  }

  /** A SUBSCRIBE, new or within a subscription's dialog. */
  async handle(request: SipRequest, tx: ServerTransaction, flow: Flow): Promise<void> {
    try {
      await this.subscribe(request, tx, flow);
    } catch (e) {
      // A malformed typed header (Expires, Event, Accept ...): its own status, usually 400.
      if (e instanceof SipError && e.status !== null) tx.respond(createResponse(request, e.status));
      else throw e;
    }
  }

  /** The mailbox of a line changed: every subscription of it gets a NOTIFY (RFC 6665 §4.2.2). */
  changed(tenantId: string, lineId: string): void {
    for (const sub of this.#byLine.get(lineId) ?? []) if (sub.tenantId === tenantId) this.notify(sub);
  }

  /** Ends every subscription with a final NOTIFY (reason noresource: we are going away). */
  close(): void {
    this.#closed = true;
    for (const sub of [...this.#subs.values()]) this.end(sub, 'noresource');
  }

  private async subscribe(request: SipRequest, tx: ServerTransaction, flow: Flow): Promise<void> {
    if (this.#closed) return tx.respond(createResponse(request, 503));
    // RFC 6665 §8.2.1: exactly one Event header; §4.2.1.1: an unknown package gets 489.
    const event = request.event;
    if (!event) return tx.respond(createResponse(request, 400, 'Missing Event header'));
    if (event.value.toLowerCase() !== MESSAGE_SUMMARY) {
      const r = createResponse(request, 489);
      r.append('Allow-Events', MESSAGE_SUMMARY);
      return tx.respond(r);
    }
    // RFC 6665 §4.2.1.1 / RFC 3261 §21.4.7: a subscriber that cannot read our body gets 406.
    const accept = request.has('Accept') ? request.accept : [];
    if (accept.length > 0 && !accept.some((a) => a.essence === BODY_TYPE || a.essence === '*/*'))
      return tx.respond(createResponse(request, 406, `Only ${BODY_TYPE}`));

    const result = await this.options.auth.authenticate(request, flow);
    if (!result.ok) return tx.respond(result.response);
    const { tenant, line } = result;

    const expires = request.expires ?? this.#defaultExpires;
    // RFC 6665 §4.2.1.1: too short an interval gets 423 with Min-Expires (0 ends or fetches).
    if (expires !== 0 && expires < this.#minExpires) {
      const r = createResponse(request, 423);
      r.append('Min-Expires', String(this.#minExpires));
      return tx.respond(r);
    }
    const granted = Math.min(expires, this.#maxExpires);

    if (request.to.tag !== undefined) return this.refresh(request, tx, line, granted);

    // A subscriber asks for its own mailbox: another line's is not its to watch.
    const named = request.uri instanceof SipUri ? request.uri.user : undefined;
    if (named && named !== line.sipUsername && named !== line.extension && this.namesOtherLine(tenant, named))
      return tx.respond(createResponse(request, 403, 'Not your mailbox'));
    if (this.#subs.size >= this.#maxTotal && granted > 0)
      return tx.respond(createResponse(request, 503, 'Too many subscriptions'));

    const ok = this.ok(request, granted, newTag(), flow);
    const dialog = Dialog.uas(request, ok);
    dialog.localContact = this.contact(flow.protocol);
    tx.respond(ok);
    const sub: Subscription = {
      dialog,
      tenantId: tenant.id,
      lineId: line.id,
      account: `sip:${line.sipUsername}@${tenant.sipDomain}`,
      event: request.get('Event') ?? MESSAGE_SUMMARY,
      flow,
      createdAt: Date.now(),
      expiresAt: 0,
      timer: undefined,
      sending: false,
      again: false,
      terminated: undefined,
    };
    if (granted === 0) {
      // RFC 6665 §4.4.3: Expires 0 on a new subscription is a fetch: one final NOTIFY.
      sub.terminated = 'timeout';
      this.notify(sub);
      return;
    }
    this.add(sub);
    this.arm(sub, granted);
    this.notify(sub);
  }

  /** RFC 6665 §4.2.1.2: a SUBSCRIBE in the dialog refreshes it, or ends it with Expires 0. */
  private refresh(request: SipRequest, tx: ServerTransaction, line: LineRoute, granted: number) {
    const key = `${request.callId}|${request.to.tag}|${request.from.tag ?? ''}`;
    const sub = this.#subs.get(key);
    if (!sub || sub.terminated) return tx.respond(createResponse(request, 481));
    if (sub.lineId !== line.id) return tx.respond(createResponse(request, 403, 'Not your subscription'));
    const problem = sub.dialog.receiveRequest(request);
    if (problem) {
      const r = createResponse(request, problem.status ?? 500);
      for (const [k, v] of problem.headers) r.append(k, v);
      return tx.respond(r);
    }
    sub.dialog.refreshTarget(request);
    tx.respond(this.ok(request, granted, sub.dialog.id.localTag, sub.flow));
    if (granted === 0) return this.end(sub, 'timeout');
    this.arm(sub, granted);
    // RFC 6665 §4.2.2: an accepted refresh is followed by a NOTIFY with the current state.
    this.notify(sub);
  }

  private ok(request: SipRequest, granted: number, toTag: string, flow: Flow): SipResponse {
    const r = createResponse(request, 200, undefined, toTag);
    r.append('Contact', this.contact(flow.protocol));
    r.append('Expires', String(granted));
    r.append('Allow-Events', MESSAGE_SUMMARY);
    return r;
  }

  /** Does this user part name another line of the tenant (by username or extension)? */
  private namesOtherLine(tenant: TenantRoute, user: string): boolean {
    const { directory } = this.options;
    return (
      directory.lineByUsername(tenant.id, user) !== undefined ||
      directory.lineByExtension(tenant.id, user) !== undefined
    );
  }

  private add(sub: Subscription): void {
    this.#subs.set(sub.dialog.key, sub);
    let set = this.#byLine.get(sub.lineId);
    if (!set) {
      set = new Set();
      this.#byLine.set(sub.lineId, set);
    }
    set.add(sub);
    if (set.size > this.#maxPerLine) {
      const oldest = [...set].filter((s) => s !== sub).sort((a, b) => a.createdAt - b.createdAt)[0];
      if (oldest) this.end(oldest, 'rejected');
    }
  }

  private remove(sub: Subscription): void {
    clearTimeout(sub.timer);
    sub.timer = undefined;
    sub.dialog.terminate();
    if (this.#subs.get(sub.dialog.key) === sub) this.#subs.delete(sub.dialog.key);
    const set = this.#byLine.get(sub.lineId);
    set?.delete(sub);
    if (set?.size === 0) this.#byLine.delete(sub.lineId);
  }

  private arm(sub: Subscription, seconds: number): void {
    clearTimeout(sub.timer);
    sub.expiresAt = Date.now() + seconds * 1000;
    // RFC 6665 §4.2.2: at expiry the notifier ends the subscription with reason timeout.
    sub.timer = setTimeout(() => this.end(sub, 'timeout'), seconds * 1000);
    sub.timer.unref();
  }

  /** Ends a subscription: it leaves the tables now, its final NOTIFY follows any in flight. */
  private end(sub: Subscription, reason: string): void {
    if (sub.terminated) return;
    sub.terminated = reason;
    clearTimeout(sub.timer);
    sub.timer = undefined;
    if (this.#subs.get(sub.dialog.key) === sub) this.#subs.delete(sub.dialog.key);
    const set = this.#byLine.get(sub.lineId);
    set?.delete(sub);
    if (set?.size === 0) this.#byLine.delete(sub.lineId);
    this.notify(sub);
  }

  private notify(sub: Subscription): void {
    if (sub.sending) {
      sub.again = true;
      return;
    }
    sub.sending = true;
    sub.again = false;
    void this.sendNotify(sub).finally(() => {
      sub.sending = false;
      if (sub.again && sub.dialog.state !== 'terminated') this.notify(sub);
    });
  }

  private async sendNotify(sub: Subscription): Promise<void> {
    let counts: MessageCounts;
    try {
      counts = await this.source(sub.tenantId, sub.lineId);
    } catch (e) {
      this.options.logger?.warn({ err: e, lineId: sub.lineId }, 'message counts unavailable');
      counts = NO_MESSAGES;
    }
    const final = sub.terminated;
    const request = sub.dialog.createRequest('NOTIFY', {
      type: BODY_TYPE,
      data: messageSummary(counts, sub.account),
    });
    request.append('Event', sub.event);
    // RFC 6665 §4.1.3 / §8.2.3: active with the seconds left, or terminated with a reason.
    if (final) request.append('Subscription-State', `terminated;reason=${final}`);
    else {
      const left = Math.max(0, Math.round((sub.expiresAt - Date.now()) / 1000));
      request.append('Subscription-State', `active;expires=${left}`);
    }
    const response = await this.send(request, sub.flow);
    if (final) {
      this.remove(sub);
      return;
    }
    const status = response?.status ?? 408;
    // RFC 6665 §4.2.2: a NOTIFY that fails (481, timeout, or any other error but a
    // challenge we do not answer) ends the subscription, without another NOTIFY.
    if (status >= 300) {
      sub.terminated = 'failed';
      this.remove(sub);
    }
  }

  private send(request: SipRequest, flow: Flow): Promise<SipResponse | null> {
    return new Promise((resolve) => {
      this.options.stack
        .request(
          request,
          {
            onResponse: (r) => {
              if (r.status >= 200) resolve(r);
            },
            onTimeout: () => resolve(null),
            onTransportError: () => resolve(null),
          },
          { target: flow },
        )
        .catch(() => resolve(null));
    });
  }

  /** Our Contact for a transport, as the call engine writes it. */
  private contact(protocol: Flow['protocol']): string {
    const { stack, publicHost } = this.options;
    const port = stack.transport(protocol === 'ws' || protocol === 'wss' ? 'udp' : protocol)?.localPort;
    const transport = protocol === 'udp' ? '' : `;transport=${protocol}`;
    return `<sip:switchboard@${publicHost}${port ? `:${port}` : ''}${transport}>`;
  }
}
