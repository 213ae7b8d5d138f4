// The location service (RFC 3261 §10.3): the contacts registered for each line. Kept in
// memory on one node behind an interface a shared (Redis) implementation can take later.
import { type Flow, parseSipUri, type Target } from '../sip/index.ts';

export interface Binding {
  tenantId: string;
  lineId: string;
  /** The Contact URI as the phone registered it. */
  contact: string;
  /** RFC 5626 +sip.instance, when the phone sends one: one device across re-registrations. */
  instanceId: string | null;
  callId: string;
  cseq: number;
  registeredAt: number;
  expiresAt: number;
  userAgent: string | null;
  /** The connection or address the REGISTER came from: requests to the phone go back there. */
  flow: Flow;
  /** RFC 3327 Path, in order: requests to this contact are routed through it. */
  path: string[];
}

export type BindingChange =
  | { kind: 'added' | 'refreshed'; binding: Binding }
  | { kind: 'removed' | 'expired'; binding: Binding };

export interface LocationService {
  bindings(lineId: string): Binding[];
  /** Every live binding of a tenant, for the API. */
  tenantBindings(tenantId: string): Binding[];
  /** Replaces (or adds) the binding with the same contact or instance id. */
  put(binding: Binding): void;
  remove(lineId: string, contact: string): Binding | undefined;
  removeAll(lineId: string): Binding[];
  /** Called on every change, including expiry. */
  onChange?: (change: BindingChange) => void;
  readonly size: number;
  close(): void;
}

export class MemoryLocationService implements LocationService {
  readonly #byLine = new Map<string, Binding[]>();
  #count = 0;
  readonly #sweeper: NodeJS.Timeout;
  onChange?: (change: BindingChange) => void;

  constructor(
    private readonly now: () => number = Date.now,
    sweepMs = 1000,
  ) {
    this.#sweeper = setInterval(() => this.sweep(), sweepMs);
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#count;
  }

  bindings(lineId: string): Binding[] {
    const now = this.now();
    return (this.#byLine.get(lineId) ?? []).filter((b) => b.expiresAt > now);
  }

  tenantBindings(tenantId: string): Binding[] {
    const now = this.now();
    const out: Binding[] = [];
    for (const list of this.#byLine.values())
      for (const b of list) if (b.tenantId === tenantId && b.expiresAt > now) out.push(b);
    return out;
  }

  put(binding: Binding): void {
    const list = this.#byLine.get(binding.lineId) ?? [];
    const i = list.findIndex((b) => sameDevice(b, binding));
    if (i >= 0) list[i] = binding;
    else {
      list.push(binding);
      this.#count++;
    }
    this.#byLine.set(binding.lineId, list);
    this.onChange?.({ kind: i >= 0 ? 'refreshed' : 'added', binding });
  }

  remove(lineId: string, contact: string): Binding | undefined {
    const list = this.#byLine.get(lineId);
    const i = list?.findIndex((b) => b.contact === contact) ?? -1;
    if (!list || i < 0) return undefined;
    const [gone] = list.splice(i, 1);
    this.#count--;
    if (list.length === 0) this.#byLine.delete(lineId);
    if (gone) this.onChange?.({ kind: 'removed', binding: gone });
    return gone;
  }

  removeAll(lineId: string): Binding[] {
    const list = this.#byLine.get(lineId) ?? [];
    this.#byLine.delete(lineId);
    this.#count -= list.length;
    for (const b of list) this.onChange?.({ kind: 'removed', binding: b });
    return list;
  }

  private sweep(): void {
    const now = this.now();
    for (const [lineId, list] of this.#byLine) {
      const live = list.filter((b) => b.expiresAt > now);
      if (live.length === list.length) continue;
      for (const b of list) if (b.expiresAt <= now) this.onChange?.({ kind: 'expired', binding: b });
      this.#count -= list.length - live.length;
      if (live.length === 0) this.#byLine.delete(lineId);
      else this.#byLine.set(lineId, live);
    }
  }

  close(): void {
    clearInterval(this.#sweeper);
  }
}

/** RFC 5626 §6: the same instance id is the same device, whatever its Contact now is. */
function sameDevice(a: Binding, b: Binding): boolean {
  if (a.instanceId && b.instanceId) return a.instanceId === b.instanceId;
  return a.contact === b.contact;
}

/** The URI of a registered Contact, whether stored bare or as a name-addr. */
export function contactUri(contact: string): string {
  const lt = contact.indexOf('<');
  return lt >= 0 ? contact.slice(lt + 1, contact.indexOf('>', lt)) : contact;
}

/**
 * Where requests to a registered phone go. Over TCP, TLS and WS: its own connection. Over
 * UDP: the address its REGISTER came from when the Contact names another host (a phone
 * behind NAT writes its private address), else the Contact's own address and port (the
 * phone may listen on another port than it sent from).
 */
export function reachableAt(binding: Binding): Target | Flow {
  const flow = binding.flow;
  if (flow.protocol !== 'udp') return flow;
  const uri = parseSipUri(contactUri(binding.contact));
  if (!uri || uri.hostname !== flow.address) return flow;
  const transport = uri.params.get('transport')?.toLowerCase();
  if (transport && transport !== 'udp') return flow;
  return { protocol: 'udp', address: flow.address, port: uri.port ?? 5060 };
}
