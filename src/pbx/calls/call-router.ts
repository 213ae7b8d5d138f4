// Where a call goes: the dial plan of a phone's call (extension, own number, external number
// through the tenant's trunk with its caller ID rules), the line settings of whoever is
// called (forwarding, do not disturb, smart DND, registered contacts, ring timeout), and what
// happens when nobody answers.
import type { RingTarget, Workspace } from '../../flows/index.ts';
import { parseSipUri, type Target } from '../../sip/index.ts';
import {
  applyDialingRules,
  callingCodeOf,
  DialPlanError,
  isInternalNumber,
  parseDialString,
  toE164,
} from '../dial-plan.ts';
import type { Directory, LineRoute, PublishedFlow, TenantRoute, TrunkRoute } from '../directory.ts';
import { contactUri, type LocationService, reachableAt } from '../location.ts';
import type { NextStep, Party, RingStep, ServiceStep } from './call-types.ts';
import type { Refusal, TollFraudGuard } from './toll-fraud.ts';

export interface CallerIdentity {
  number: string;
  name: string | null;
  anonymous: boolean;
}

export interface RouterDeps {
  directory: Directory;
  location: LocationService;
  guard: TollFraudGuard;
  publicHost: string;
  promptPath?: ((fileId: string) => Promise<string | undefined>) | undefined;
  /** True when the line is in a call (smart do-not-disturb). */
  lineBusy(lineId: string): boolean;
}

export interface Plan {
  direction: 'inbound' | 'outbound' | 'internal';
  caller: Party;
  first: RingStep;
  next: NextStep;
}

/** A call that enters the tenant's published call flow at one of its entry objects. */
export interface FlowPlan {
  direction: 'inbound' | 'internal';
  caller: Party;
  tenant: TenantRoute;
  /** The version the call runs to its end, whatever is published meanwhile. */
  workspace: Workspace;
  version: number;
  entryNodeId: string;
  called: string;
}

/** A call handed straight to a PBX service: a dialled feature code. */
export interface ServicePlan {
  direction: 'internal';
  caller: Party;
  called: string;
  service: ServiceStep;
}

/**
 * PBX services the router hands calls to. Set once the services exist (they need the
 * engine, which owns the router): until then there are no feature codes and no voicemail.
 */
export interface RouterFeatures {
  /** A dialled feature code of the tenant, or undefined when `dialed` is none. */
  dialled?(
    tenant: TenantRoute,
    line: LineRoute,
    caller: Party,
    dialed: string,
  ): Promise<ServiceStep | Refusal | undefined>;
  /** The line's voicemail box, for "when unavailable: voicemail". */
  voicemailFor?(tenant: TenantRoute, line: LineRoute, caller: Party): ServiceStep | undefined;
}

const EXTERNAL_RING_MS = 120_000;
const none: NextStep = async () => undefined;

export class CallRouter {
  #features: RouterFeatures = {};

  constructor(private readonly deps: RouterDeps) {}

  setFeatures(features: RouterFeatures): void {
    this.#features = features;
  }

  /** A call placed by one of the tenant's phones, to what it dialled. */
  async fromLine(
    tenant: TenantRoute,
    line: LineRoute,
    dialed: string,
  ): Promise<Plan | FlowPlan | ServicePlan | Refusal> {
    const internalCaller: Party = {
      number: line.internalCallerId ?? line.extension ?? line.sipUsername,
      name: line.callerIdName ?? line.displayName,
      lineId: line.id,
    };
    const feature = await this.#features.dialled?.(tenant, line, internalCaller, dialed);
    if (feature && 'run' in feature)
      return { direction: 'internal', caller: internalCaller, called: dialed, service: feature };
    if (feature) return feature;
    if (isInternalNumber(dialed)) return this.toExtension(tenant, internalCaller, dialed, line);
    let dial: ReturnType<typeof parseDialString>;
    let e164: string;
    try {
      dial = parseDialString(dialed);
      const number = applyDialingRules(dial.digits, tenant.dialingRules);
      if (isInternalNumber(number)) return this.toExtension(tenant, internalCaller, number, line);
      e164 = toE164(number, this.numberingPlan(tenant));
    } catch (e) {
      if (e instanceof DialPlanError) return { status: e.status, reason: e.message };
      throw e;
    }
    // A call to one of the tenant's own numbers stays inside.
    const own = this.deps.directory.number(e164);
    const entry =
      own?.tenantId === tenant.id ? this.flowEntry(tenant, 'internal', internalCaller, e164) : undefined;
    if (entry) return entry;
    if (own?.tenantId === tenant.id && own.destinationLineId) {
      const target = this.deps.directory.line(own.destinationLineId);
      if (target)
        return this.toLine(tenant, 'internal', internalCaller, target, line.internalAnnouncementFileId);
    }
    if (!line.externalCallsAllowed) return { status: 403, reason: 'External calls not allowed on this line' };
    const callerId = this.externalCallerId(tenant, line, dial.callerIdIndex);
    if ('status' in callerId) return callerId;
    const identity = { ...callerId, anonymous: dial.anonymous };
    const step = await this.externalStep(tenant, e164, identity, line.externalAnnouncementFileId);
    if ('status' in step) return step;
    return {
      direction: 'outbound',
      caller: { number: callerId.number, name: callerId.name, lineId: line.id },
      first: step,
      next: none,
    };
  }

  /** A call from a carrier to one of our numbers. */
  async fromTrunk(
    dialed: string,
    from: CallerIdentity,
  ): Promise<((Plan | FlowPlan) & { tenantId: string }) | Refusal> {
    const e164 = carrierNumber(dialed);
    const number = e164 ? this.deps.directory.number(e164) : undefined;
    if (!e164 || !number) return { status: 404, reason: 'No such number' };
    const tenant = this.deps.directory.tenant(number.tenantId);
    if (!tenant?.active) return { status: 480, reason: 'Temporarily Unavailable' };
    const caller: Party = { number: from.number, name: from.name };
    // A number with an entry object in the published flow follows the flow; others ring their line.
    const entry = this.flowEntry(tenant, 'inbound', caller, e164);
    if (entry) return { ...entry, tenantId: tenant.id };
    const line = number.destinationLineId ? this.deps.directory.line(number.destinationLineId) : undefined;
    if (!line) return { status: 480, reason: 'No destination for this number' };
    const plan = await this.toLine(tenant, 'inbound', caller, line, undefined);
    if ('status' in plan) return plan;
    return { ...plan, tenantId: tenant.id };
  }

  private async toExtension(
    tenant: TenantRoute,
    caller: Party,
    extension: string,
    from: LineRoute,
  ): Promise<Plan | FlowPlan | Refusal> {
    const entry = this.flowEntry(tenant, 'internal', caller, extension);
    if (entry) return entry;
    const target = this.deps.directory.lineByExtension(tenant.id, extension);
    if (!target) return { status: 404, reason: 'No such extension' };
    return this.toLine(tenant, 'internal', caller, target, from.internalAnnouncementFileId);
  }

  /**
   * Ringing a line, with its settings: unconditional forwarding, do not disturb, smart DND,
   * then its registered contacts for its ring timeout; "when unavailable" decides what follows.
   */
  private async toLine(
    tenant: TenantRoute,
    direction: Plan['direction'],
    caller: Party,
    line: LineRoute,
    announcementFileId: string | null | undefined,
  ): Promise<Plan | Refusal> {
    const callee: Party = {
      number: line.extension ?? line.sipUsername,
      name: line.displayName,
      lineId: line.id,
    };
    const forward = (to: string) => this.forwardStep(tenant, line, caller, to, direction === 'inbound');
    if (line.forwardTo) {
      const step = await forward(line.forwardTo);
      if ('status' in step) return step;
      return { direction, caller, first: step, next: none };
    }
    let unavailable: Refusal | undefined;
    if (line.doNotDisturb) unavailable = { status: 480, reason: 'Do Not Disturb' };
    else if (line.smartDoNotDisturb && this.deps.lineBusy(line.id))
      unavailable = { status: 486, reason: 'Busy Here' };
    let used = false;
    // "When unavailable" (spec 001) applies once: busy, no answer, offline or do not disturb.
    const next: NextStep = async (status) => {
      if (used || status === 487) return undefined;
      const wu = line.whenUnavailable;
      if (wu.action === 'voicemail') {
        used = true;
        return this.#features.voicemailFor?.(tenant, line, caller);
      }
      if (wu.action !== 'forward') return undefined;
      used = true;
      return forward(wu.to);
    };
    const announcement = announcementFileId ? await this.deps.promptPath?.(announcementFileId) : undefined;
    const step: RingStep = unavailable
      ? { kind: 'line', id: line.id, legs: [], timeoutMs: 0, callee }
      : this.lineStep(tenant, line, caller, callee, announcement);
    if (unavailable) {
      // No ringing at all: go straight to the "when unavailable" handling with this status.
      const then = await next(unavailable.status);
      // Refused without ringing, but still a call on record (a missed call to this line).
      if (!then) return { direction, caller, first: { ...step, refusal: unavailable }, next: none };
      // Voicemail: the refused step is on record, then the caller goes to the box.
      if ('run' in then)
        return { direction, caller, first: { ...step, refusal: unavailable }, next: async () => then };
      if (!('legs' in then)) return then;
      return { direction, caller, first: then, next: none };
    }
    return { direction, caller, first: step, next };
  }

  /** The published flow's entry object for a number or an extension, if there is one. */
  private flowEntry(
    tenant: TenantRoute,
    direction: FlowPlan['direction'],
    caller: Party,
    called: string,
  ): FlowPlan | undefined {
    const flow: PublishedFlow | undefined = this.deps.directory.flow(tenant.id);
    const entryNodeId = flow?.entries.get(called);
    if (!flow || !entryNodeId) return undefined;
    return {
      direction,
      caller,
      tenant,
      workspace: flow.workspace,
      version: flow.version,
      entryNodeId,
      called,
    };
  }

  /**
   * A flow's ring node: every line of these people and these lines, at once. Lines in do not
   * disturb (or busy with smart DND) are left out; none left is a refusal the flow branches on.
   */
  ringStep(tenant: TenantRoute, targets: RingTarget[], caller: Party, timeoutSec: number): RingStep {
    const seen = new Set<string>();
    const lines: LineRoute[] = [];
    for (const t of targets) {
      const found =
        t.kind === 'line' ? [this.deps.directory.line(t.id)] : this.deps.directory.personLines(t.id);
      for (const l of found)
        if (l && l.tenantId === tenant.id && !seen.has(l.id)) {
          seen.add(l.id);
          lines.push(l);
        }
    }
    let busy = 0;
    const legs: RingStep['legs'] = [];
    const parties: Record<string, Party> = {};
    for (const line of lines) {
      if (line.doNotDisturb) continue;
      if (line.smartDoNotDisturb && this.deps.lineBusy(line.id)) {
        busy++;
        continue;
      }
      const callee: Party = {
        number: line.extension ?? line.sipUsername,
        name: line.displayName,
        lineId: line.id,
      };
      parties[line.id] = callee;
      for (const leg of this.lineStep(tenant, line, caller, callee, undefined).legs)
        legs.push({ ...leg, label: { kind: 'line', id: line.id } });
    }
    const first = lines[0];
    const callee: Party = first
      ? { number: first.extension ?? first.sipUsername, name: first.displayName, lineId: first.id }
      : { number: 'unknown', name: null };
    return {
      kind: 'line',
      id: first?.id ?? 'none',
      legs,
      timeoutMs: timeoutSec * 1000,
      callee,
      parties,
      ...(legs.length === 0
        ? {
            refusal:
              busy > 0 && busy === lines.filter((l) => !l.doNotDisturb).length
                ? { status: 486, reason: 'Busy Here' }
                : { status: 480, reason: 'Temporarily Unavailable' },
          }
        : {}),
    };
  }

  /** A flow's forward to a phone number, out through the tenant's trunk with the caller's ID. */
  async phoneStep(
    tenant: TenantRoute,
    number: string,
    caller: Party,
    timeoutSec: number,
  ): Promise<RingStep | Refusal> {
    let e164: string;
    try {
      e164 = number.startsWith('+') ? number : toE164(number, this.numberingPlan(tenant));
    } catch (e) {
      if (e instanceof DialPlanError) return { status: e.status, reason: e.message };
      throw e;
    }
    // An outside caller's number is presented as is; an extension cannot be, so the company's is.
    const presented = caller.number.startsWith('+')
      ? caller.number
      : this.deps.directory.tenantNumbers(tenant.id)[0]?.e164;
    if (!presented) return { status: 403, reason: 'No external caller ID' };
    const step = await this.externalStep(
      tenant,
      e164,
      { number: presented, name: caller.name, anonymous: false },
      undefined,
    );
    if (!('legs' in step)) return step;
    return { ...step, timeoutMs: timeoutSec * 1000 };
  }

  /** A flow's forward to any SIP URI (a provider, another PBX), with digest credentials if given. */
  sipUriStep(
    uri: NonNullable<ReturnType<typeof parseSipUri>>,
    targets: Target[],
    caller: Party,
    credentials: { username: string; password: string } | undefined,
    timeoutSec: number,
  ): RingStep {
    const host = this.deps.publicHost;
    return {
      kind: 'sip',
      id: uri.toString(),
      legs: [
        {
          uri,
          from: `${displayName(caller.name)}<sip:${encodeUser(caller.number)}@${host}>`,
          to: `<${uri.toString()}>`,
          targets,
          route: [],
          headers: [],
          credentials,
        },
      ],
      timeoutMs: timeoutSec * 1000,
      callee: { number: uri.toString(), name: null },
    };
  }

  private numberingPlan(tenant: TenantRoute) {
    return (
      callingCodeOf(tenant.country) ?? {
        countryCallingCode: '1',
        trunkPrefix: '1',
        internationalPrefix: '011',
      }
    );
  }

  private lineStep(
    tenant: TenantRoute,
    line: LineRoute,
    caller: Party,
    callee: Party,
    announcement: string | undefined,
  ): RingStep {
    const from = `${displayName(caller.name)}<sip:${encodeUser(caller.number)}@${tenant.sipDomain}>`;
    const to = `<sip:${encodeUser(callee.number)}@${tenant.sipDomain}>`;
    const legs = this.deps.location.bindings(line.id).flatMap((b) => {
      const uri = parseSipUri(contactUri(b.contact));
      if (!uri) return [];
      return [{ uri, from, to, targets: [reachableAt(b)], route: b.path, headers: [] as [string, string][] }];
    });
    return {
      kind: 'line',
      id: line.id,
      legs,
      timeoutMs: line.ringTimeoutSeconds * 1000,
      announcement,
      callee,
    };
  }

  /** Forwarding to an extension or an external number (the forwarding line pays for the latter). */
  private async forwardStep(
    tenant: TenantRoute,
    line: LineRoute,
    caller: Party,
    to: string,
    callerIsExternal: boolean,
  ): Promise<RingStep | Refusal> {
    if (isInternalNumber(to)) {
      const target = this.deps.directory.lineByExtension(tenant.id, to);
      if (!target || target.id === line.id) return { status: 480, reason: 'Forwarding target unavailable' };
      const callee: Party = { number: to, name: target.displayName, lineId: target.id };
      return this.lineStep(tenant, target, caller, callee, undefined);
    }
    if (!line.externalCallsAllowed)
      return { status: 403, reason: 'External forwarding not allowed on this line' };
    // An outside caller keeps their number on the forwarded call; an internal one shows the line's.
    let identity: CallerIdentity;
    if (callerIsExternal) identity = { number: caller.number, name: caller.name, anonymous: false };
    else {
      const id = this.externalCallerId(tenant, line, null);
      if ('status' in id) return id;
      identity = { ...id, anonymous: false };
    }
    const lineNumber = line.externalCallerIds[0];
    return this.externalStep(tenant, to, identity, undefined, lineNumber);
  }

  private externalCallerId(
    tenant: TenantRoute,
    line: LineRoute,
    index: number | null,
  ): { number: string; name: string | null } | Refusal {
    const name = line.callerIdName ?? line.displayName;
    // A number the company no longer owns (released, taken by someone else) is never presented.
    const owned = (n: string | undefined) =>
      n !== undefined && this.deps.directory.number(n)?.tenantId === tenant.id;
    if (index !== null) {
      const chosen = line.externalCallerIds[index - 1];
      if (!owned(chosen)) return { status: 403, reason: `No caller ID c${index} on this line` };
      return { number: chosen as string, name };
    }
    const own = line.externalCallerIds.find(owned);
    const number = own ?? this.deps.directory.tenantNumbers(tenant.id)[0]?.e164;
    if (!number) return { status: 403, reason: 'No external caller ID for this line' };
    return { number, name };
  }

  /** A call out through the tenant's trunk, after the toll-fraud checks. */
  private async externalStep(
    tenant: TenantRoute,
    e164: string,
    caller: CallerIdentity,
    announcementFileId: string | null | undefined,
    diversion?: string,
  ): Promise<RingStep | Refusal> {
    const trunk = this.trunkFor(tenant);
    if (!trunk || trunk.targets.length === 0) return { status: 503, reason: 'No trunk for external calls' };
    const announcement = announcementFileId ? await this.deps.promptPath?.(announcementFileId) : undefined;
    // Last, with nothing that can fail after it: the call is counted from here.
    const admitted = await this.deps.guard.admit(tenant, e164);
    if (typeof admitted !== 'function') return admitted;
    const release = admitted;
    const user = trunk.numberFormat === 'e164' ? e164 : e164.slice(1);
    const transport = trunk.transport === 'udp' ? '' : `;transport=${trunk.transport}`;
    const uri = parseSipUri(`sip:${encodeUser(user)}@${trunk.host}:${trunk.port}${transport}`);
    if (!uri) {
      release();
      return { status: 500, reason: 'Trunk address invalid' };
    }
    const host = this.deps.publicHost;
    const asserted = `<sip:${encodeUser(caller.number)}@${host}>`;
    const headers: [string, string][] = [['P-Asserted-Identity', asserted]];
    let from: string;
    if (caller.anonymous) {
      // RFC 3323/3325: the network still learns who calls; the callee does not.
      from = '"Anonymous" <sip:anonymous@anonymous.invalid>';
      headers.push(['Privacy', 'id']);
    } else {
      from = `${displayName(caller.name)}<sip:${encodeUser(caller.number)}@${host}>`;
    }
    // RFC 5806: a forwarded call says which of our numbers diverted it.
    if (diversion) headers.push(['Diversion', `<sip:${encodeUser(diversion)}@${host}>;reason=unconditional`]);
    return {
      kind: 'trunk',
      id: trunk.id,
      legs: [
        {
          uri,
          from,
          to: `<sip:${encodeUser(user)}@${trunk.host}>`,
          targets: trunk.targets,
          route: [],
          headers,
          credentials:
            trunk.username && trunk.password
              ? { username: trunk.username, password: trunk.password }
              : undefined,
        },
      ],
      timeoutMs: EXTERNAL_RING_MS,
      announcement,
      external: { e164, release },
      callee: { number: e164, name: null },
    };
  }

  private trunkFor(tenant: TenantRoute): TrunkRoute | undefined {
    const d = this.deps.directory;
    if (tenant.outboundTrunkId) return d.trunk(tenant.outboundTrunkId);
    for (const n of d.tenantNumbers(tenant.id)) if (n.trunkId) return d.trunk(n.trunkId);
    return undefined;
  }
}

/** A carrier's number as E.164: carriers often leave out the +. */
export function carrierNumber(raw: string): string | undefined {
  const s = raw.replace(/[\s().-]/g, '');
  const digits = s.startsWith('+') ? s.slice(1) : s.startsWith('00') ? s.slice(2) : s;
  if (!/^[1-9][0-9]{6,14}$/.test(digits)) return undefined;
  return `+${digits}`;
}

/** A display name safe in a header: no quotes, backslashes or control characters (no CRLF injection). */
function displayName(name: string | null): string {
  const clean = (name ?? '')
    .replace(/[\x00-\x1f\x7f"\\]/g, '')
    .trim()
    .slice(0, 64);
  return clean ? `"${clean}" ` : '';
}

function encodeUser(user: string): string {
  return user.replace(
    /[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
