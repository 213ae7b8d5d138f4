// The routing data the call path reads: tenants by SIP domain, lines by username and
// extension, numbers, trunks and rates, held in memory so no call waits on the database
// (DESIGN principle 4). The API reloads it after every change that touches routing.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { entryIndex, parseWorkspace, type Workspace } from '../flows/index.ts';
import type { Db } from '../store/database.ts';
import type { DialingRule, LineRecording, WhenUnavailable } from '../store/schema.ts';
import {
  lines,
  numbers,
  people,
  rates,
  tenants,
  trunks,
  workspaces,
  workspaceVersions,
} from '../store/schema.ts';
import { RateTable } from './dial-plan.ts';
import { type FeatureCodes, featureCodes } from './feature-codes.ts';
import { IpAcl } from './ip-acl.ts';

export interface TenantRoute {
  id: string;
  name: string;
  sipDomain: string;
  country: string;
  active: boolean;
  sipAcl: IpAcl;
  maxExternalCalls: number;
  monthlySpendCapMicros: number | null;
  blockedPrefixes: string[];
  dialingRules: DialingRule[];
  outboundTrunkId: string | null;
  /** What its phones dial for PBX functions: its overrides over the defaults. */
  featureCodes: FeatureCodes;
}

export interface LineRoute {
  id: string;
  tenantId: string;
  personId: string;
  sipUsername: string;
  ha1: { MD5: string; 'SHA-256': string };
  /** The person's name, the default caller ID name. */
  displayName: string;
  extension: string | null;
  callerIdName: string | null;
  internalCallerId: string | null;
  externalCallerIds: string[];
  externalCallsAllowed: boolean;
  doNotDisturb: boolean;
  smartDoNotDisturb: boolean;
  forwardTo: string | null;
  whenUnavailable: WhenUnavailable;
  ringTimeoutSeconds: number;
  recording: LineRecording;
  internalAnnouncementFileId: string | null;
  externalAnnouncementFileId: string | null;
}

export interface NumberRoute {
  e164: string;
  tenantId: string;
  destinationLineId: string | null;
  trunkId: string | null;
}

export interface TrunkRoute {
  id: string;
  name: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  secondaryHost: string | null;
  secondaryPort: number | null;
  authMode: 'ip' | 'register';
  username: string | null;
  password: string | null;
  registerExpires: number;
  numberFormat: 'e164' | 'e164-no-plus';
  /** Where calls to the carrier go, primary first (resolved when the directory loads). */
  targets: { protocol: 'udp' | 'tcp' | 'tls'; address: string; port: number }[];
  /** The carrier's own hosts (address and port): its requests come from there. */
  hosts: { address: string; port: number }[];
  /** Ranges the carrier sends from on any port (its published addresses); null when none. */
  ranges: IpAcl | null;
}

/** A tenant's live call flow: the published version and its entry objects. */
export interface PublishedFlow {
  version: number;
  workspace: Workspace;
  /** E.164 numbers and extensions to the entry object a call to them starts at. */
  entries: Map<string, string>;
}

/** A line's settings, as routing uses them and the API shows them: one list of fields. */
export function lineSettings(l: typeof lines.$inferSelect) {
  return {
    callerIdName: l.callerIdName,
    internalCallerId: l.internalCallerId,
    externalCallerIds: l.externalCallerIds,
    externalCallsAllowed: l.externalCallsAllowed,
    doNotDisturb: l.doNotDisturb,
    smartDoNotDisturb: l.smartDoNotDisturb,
    forwardTo: l.forwardTo,
    whenUnavailable: l.whenUnavailable,
    ringTimeoutSeconds: l.ringTimeoutSeconds,
    recording: l.recording,
    internalAnnouncementFileId: l.internalAnnouncementFileId,
    externalAnnouncementFileId: l.externalAnnouncementFileId,
  };
}

interface Snapshot {
  tenants: Map<string, TenantRoute>;
  tenantsByDomain: Map<string, TenantRoute>;
  lines: Map<string, LineRoute>;
  linesByUsername: Map<string, LineRoute>;
  linesByExtension: Map<string, LineRoute>;
  linesByPerson: Map<string, LineRoute[]>;
  flows: Map<string, PublishedFlow>;
  numbers: Map<string, NumberRoute>;
  numbersByTenant: Map<string, NumberRoute[]>;
  trunks: Map<string, TrunkRoute>;
  rates: RateTable;
}

const key = (tenantId: string, name: string) => `${tenantId}\u0000${name}`;

export class Directory {
  #snapshot: Snapshot = empty();
  #loading: Promise<void> | undefined;
  #again = false;
  /** Called after each reload (carrier registrations follow trunk changes). */
  onReload: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    /** Host names to addresses, for recognising carriers by source (injectable for tests). */
    private readonly resolveHost: (host: string) => Promise<string[]> = resolveAll,
  ) {}

  /**
   * Reloads everything. Concurrent callers share one load, and a change that lands while a
   * load runs triggers one more, so a caller that awaits sees its own change.
   */
  reload(): Promise<void> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      try {
        do {
          this.#again = false;
          this.#snapshot = await this.load();
        } while (this.#again);
        this.onReload?.();
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }

  tenant(id: string): TenantRoute | undefined {
    return this.#snapshot.tenants.get(id);
  }
  tenantByDomain(domain: string): TenantRoute | undefined {
    return this.#snapshot.tenantsByDomain.get(domain.toLowerCase());
  }
  line(id: string): LineRoute | undefined {
    return this.#snapshot.lines.get(id);
  }
  lineByUsername(tenantId: string, username: string): LineRoute | undefined {
    return this.#snapshot.linesByUsername.get(key(tenantId, username));
  }
  lineByExtension(tenantId: string, extension: string): LineRoute | undefined {
    return this.#snapshot.linesByExtension.get(key(tenantId, extension));
  }
  /** Every line of a person. */
  personLines(personId: string): LineRoute[] {
    return this.#snapshot.linesByPerson.get(personId) ?? [];
  }
  /** The tenant's published call flow, if any. */
  flow(tenantId: string): PublishedFlow | undefined {
    return this.#snapshot.flows.get(tenantId);
  }
  /** The numbers a tenant owns. */
  tenantNumbers(tenantId: string): NumberRoute[] {
    return this.#snapshot.numbersByTenant.get(tenantId) ?? [];
  }
  number(e164: string): NumberRoute | undefined {
    return this.#snapshot.numbers.get(e164);
  }
  trunk(id: string): TrunkRoute | undefined {
    return this.#snapshot.trunks.get(id);
  }
  trunks(): TrunkRoute[] {
    return [...this.#snapshot.trunks.values()];
  }
  /**
   * The carrier a request came from: its source is one of the carrier's hosts with the trunk's
   * port, or any port in the carrier's inbound ranges. The port matters: phones on the same
   * host as a carrier (a demo trunk on 127.0.0.1) must still authenticate.
   */
  trunkBySource(address: string, port: number): TrunkRoute | undefined {
    for (const t of this.#snapshot.trunks.values()) {
      if (t.ranges?.contains(address)) return t;
      for (const h of t.hosts) if (h.address === address && h.port === port) return t;
    }
    return undefined;
  }
  get rates(): RateTable {
    return this.#snapshot.rates;
  }

  private async load(): Promise<Snapshot> {
    const s = empty();
    const [tenantRows, lineRows, numberRows, trunkRows, rateRows, flowRows] = await Promise.all([
      this.db.select().from(tenants),
      this.db
        .select({
          line: lines,
          firstName: people.firstName,
          lastName: people.lastName,
          extension: people.extension,
        })
        .from(lines)
        .innerJoin(people, eq(people.id, lines.personId)),
      this.db.select().from(numbers),
      this.db.select().from(trunks),
      this.db.select().from(rates),
      this.db
        .select({
          tenantId: workspaceVersions.tenantId,
          version: workspaceVersions.version,
          graph: workspaceVersions.graph,
        })
        .from(workspaces)
        .innerJoin(
          workspaceVersions,
          and(
            eq(workspaceVersions.tenantId, workspaces.tenantId),
            eq(workspaceVersions.version, workspaces.publishedVersion),
          ),
        ),
    ]);
    for (const t of tenantRows) {
      const route: TenantRoute = {
        id: t.id,
        name: t.name,
        sipDomain: t.sipDomain.toLowerCase(),
        country: t.country,
        active: t.status === 'active',
        sipAcl: new IpAcl(t.sipAcl),
        maxExternalCalls: t.maxExternalCalls,
        monthlySpendCapMicros: t.monthlySpendCapMicros,
        blockedPrefixes: t.blockedPrefixes,
        dialingRules: t.dialingRules,
        outboundTrunkId: t.outboundTrunkId,
        featureCodes: featureCodes(t.featureCodes),
      };
      s.tenants.set(t.id, route);
      s.tenantsByDomain.set(route.sipDomain, route);
    }
    for (const { line: l, firstName, lastName, extension } of lineRows) {
      const route: LineRoute = {
        id: l.id,
        tenantId: l.tenantId,
        personId: l.personId,
        sipUsername: l.sipUsername,
        ha1: { MD5: l.ha1Md5, 'SHA-256': l.ha1Sha256 },
        displayName: `${firstName} ${lastName}`.trim(),
        extension,
        ...lineSettings(l),
      };
      s.lines.set(l.id, route);
      s.linesByUsername.set(key(l.tenantId, l.sipUsername), route);
      if (extension) s.linesByExtension.set(key(l.tenantId, extension), route);
      const ofPerson = s.linesByPerson.get(l.personId) ?? [];
      ofPerson.push(route);
      s.linesByPerson.set(l.personId, ofPerson);
    }
    for (const f of flowRows) {
      // Published versions were validated when published; one that no longer parses is skipped
      // (its numbers fall back to direct routing) rather than failing every call.
      const parsed = parseWorkspace(f.graph);
      if (!parsed.ok) continue;
      const index = entryIndex(parsed.workspace);
      s.flows.set(f.tenantId, {
        version: f.version,
        workspace: parsed.workspace,
        entries: new Map([...index.numbers, ...index.extensions]),
      });
    }
    for (const n of numberRows) {
      if (!n.tenantId) continue;
      const route = {
        e164: n.e164,
        tenantId: n.tenantId,
        destinationLineId: n.destinationLineId,
        trunkId: n.trunkId,
      };
      s.numbers.set(n.e164, route);
      const list = s.numbersByTenant.get(n.tenantId) ?? [];
      list.push(route);
      s.numbersByTenant.set(n.tenantId, list);
    }
    for (const t of trunkRows) {
      const primary = await this.resolveHost(t.host);
      const secondary = t.secondaryHost ? await this.resolveHost(t.secondaryHost) : [];
      const targets = [
        ...(primary[0] ? [{ protocol: t.transport, address: primary[0], port: t.port }] : []),
        ...(secondary[0]
          ? [{ protocol: t.transport, address: secondary[0], port: t.secondaryPort ?? 5060 }]
          : []),
      ];
      s.trunks.set(t.id, {
        id: t.id,
        name: t.name,
        host: t.host,
        port: t.port,
        transport: t.transport,
        secondaryHost: t.secondaryHost,
        secondaryPort: t.secondaryPort,
        authMode: t.authMode,
        username: t.username,
        password: t.password,
        registerExpires: t.registerExpires,
        numberFormat: t.numberFormat,
        targets,
        hosts: [
          ...primary.map((address) => ({ address, port: t.port })),
          ...secondary.map((address) => ({ address, port: t.secondaryPort ?? 5060 })),
        ],
        ranges: t.inboundAddresses.length > 0 ? new IpAcl(t.inboundAddresses) : null,
      });
    }
    s.rates = new RateTable(rateRows.map((r) => ({ prefix: r.prefix, perMinuteMicros: r.perMinuteMicros })));
    return s;
  }
}

function empty(): Snapshot {
  return {
    tenants: new Map(),
    tenantsByDomain: new Map(),
    lines: new Map(),
    linesByUsername: new Map(),
    linesByExtension: new Map(),
    linesByPerson: new Map(),
    flows: new Map(),
    numbers: new Map(),
    numbersByTenant: new Map(),
    trunks: new Map(),
    rates: new RateTable([]),
  };
}

async function resolveAll(host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    // A carrier whose name does not resolve now cannot be recognised by address; its
    // registrations and outbound calls report their own errors.
    return [];
  }
}
