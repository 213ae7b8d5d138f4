// The database schema (Drizzle). Migrations in ./migrations are generated from this file
// with `npm run db:generate`; never edit an applied migration, add a new one.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();
const updatedAt = () => ts('updated_at').notNull().defaultNow();

export interface PostalAddress {
  line1: string;
  line2?: string | undefined;
  city: string;
  postalCode: string;
  region?: string | undefined;
  country: string;
}
export interface LabelledEmail {
  address: string;
  label: 'work' | 'home';
}
export interface ContactNumber {
  number: string;
  label?: string | undefined;
}
export interface WeeklySchedule {
  timeZone?: string | undefined;
  intervals: { day: 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'; start: string; end: string }[];
}
/** Outbound dialing rule (spec 003): a prefix replaced when the number is long enough. */
export interface DialingRule {
  startsWith: string;
  replaceWith: string;
  minLength: number;
}
/** What happens when a line does not answer, is busy or offline. */
export type WhenUnavailable =
  | { action: 'hangup' }
  | { action: 'forward'; to: string }
  | { action: 'voicemail' };

/** Which calls of a line are recorded (spec 001/003 recording settings); all off by default. */
export interface LineRecording {
  inboundInternal: boolean;
  inboundExternal: boolean;
  outboundInternal: boolean;
  outboundExternal: boolean;
  /** The person may start a recording during a call with the record-on-demand feature code. */
  onDemand: boolean;
  /**
   * Where recordings of this person's calls are sent (delivery_methods ids, at most 5).
   * Rows written before delivery methods existed have none: read as [].
   */
  deliveryMethodIds?: string[];
}
export const NO_RECORDING: LineRecording = {
  inboundInternal: false,
  inboundExternal: false,
  outboundInternal: false,
  outboundExternal: false,
  onDemand: false,
};

/** A tenant's feature codes; a code left out keeps its default (src/pbx/feature-codes.ts). */
export type FeatureCodeOverrides = Partial<Record<string, string>>;

export type QueueStrategy =
  | 'ring-all'
  | 'round-robin'
  | 'longest-idle'
  | 'fewest-calls'
  | 'skills'
  | 'random';

/** A voicemail greeting: none (a spoken default), an audio file, or text to speak. */
export type VoicemailGreeting =
  | { kind: 'default' }
  | { kind: 'file'; fileId: string }
  | { kind: 'tts'; text: string; language: string; voice?: string | undefined };

export interface ApiKeyScope {
  resource: string;
  access: 'read' | 'write';
}

export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  legalName: text('legal_name'),
  billingAddress: jsonb('billing_address').$type<PostalAddress>(),
  country: text('country').notNull(),
  vatId: text('vat_id'),
  timeZone: text('time_zone').notNull(),
  sipDomain: text('sip_domain').notNull().unique(),
  status: text('status', { enum: ['pending_verification', 'active', 'suspended'] }).notNull(),
  requireAdmin2fa: boolean('require_admin_2fa').notNull().default(false),
  // Calling policy: where phones may register from, and toll-fraud bounds on external calls.
  sipAcl: jsonb('sip_acl').$type<string[]>().notNull().default([]),
  maxExternalCalls: integer('max_external_calls').notNull().default(10),
  monthlySpendCapMicros: bigint('monthly_spend_cap_micros', { mode: 'number' }),
  blockedPrefixes: jsonb('blocked_prefixes').$type<string[]>().notNull().default([]),
  dialingRules: jsonb('dialing_rules').$type<DialingRule[]>().notNull().default([]),
  outboundTrunkId: uuid('outbound_trunk_id'),
  featureCodes: jsonb('feature_codes').$type<FeatureCodeOverrides>().notNull().default({}),
  // Recordings are deleted this many days after they end (7 days to 10 years).
  recordingRetentionDays: integer('recording_retention_days').notNull().default(365),
  // Played to the caller before a recording starts, when set (an audio_prompts id).
  recordingConsentPromptId: uuid('recording_consent_prompt_id'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const people = pgTable(
  'people',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    department: text('department'),
    jobTitle: text('job_title'),
    company: text('company'),
    emails: jsonb('emails').$type<LabelledEmail[]>().notNull().default([]),
    contactNumbers: jsonb('contact_numbers').$type<ContactNumber[]>().notNull().default([]),
    showInDirectory: boolean('show_in_directory').notNull().default(true),
    timeSchedule: jsonb('time_schedule').$type<WeeklySchedule>(),
    extension: text('extension'),
    emergencyAddress: jsonb('emergency_address').$type<PostalAddress>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('people_tenant_extension').on(t.tenantId, t.extension),
    index('people_tenant_id').on(t.tenantId, t.id),
  ],
);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    // Null for platform operators, who belong to no tenant.
    tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    personId: uuid('person_id').references(() => people.id, { onDelete: 'cascade' }),
    email: text('email').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ['operator', 'administrator', 'supervisor', 'agent'] }).notNull(),
    emailVerifiedAt: ts('email_verified_at'),
    totpSecret: text('totp_secret'),
    totpEnabledAt: ts('totp_enabled_at'),
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    recoveryCodeHashes: jsonb('recovery_code_hashes').$type<string[]>().notNull().default([]),
    lastLoginAt: ts('last_login_at'),
    disabledAt: ts('disabled_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_person').on(t.personId), index('users_tenant').on(t.tenantId, t.id)],
);

export const sessions = pgTable(
  'sessions',
  {
    // SHA-256 of the cookie value: a database leak does not leak live sessions.
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: ts('expires_at').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

/** Single-use tokens sent by email or handed to a client: verification, reset, setup, MFA step. */
export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    kind: text('kind', {
      enum: ['email_verification', 'password_reset', 'operator_setup', 'mfa_login'],
    }).notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('one_time_tokens_user').on(t.userId, t.kind)],
);

export const invitations = pgTable(
  'invitations',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role', { enum: ['administrator', 'supervisor', 'agent'] }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: ts('expires_at').notNull(),
    acceptedAt: ts('accepted_at'),
    revokedAt: ts('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [index('invitations_tenant').on(t.tenantId, t.id)],
);

export const trunks = pgTable('trunks', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique(),
  host: text('host').notNull(),
  port: integer('port').notNull().default(5060),
  transport: text('transport', { enum: ['udp', 'tcp', 'tls'] })
    .notNull()
    .default('udp'),
  // Tried when the first host times out, fails or answers 503.
  secondaryHost: text('secondary_host'),
  secondaryPort: integer('secondary_port'),
  // 'ip': the carrier's calls are recognised by source address; 'register': we register to it.
  authMode: text('auth_mode', { enum: ['ip', 'register'] })
    .notNull()
    .default('ip'),
  /** Extra source ranges (CIDR) the carrier sends from, beside the hosts' addresses. */
  inboundAddresses: jsonb('inbound_addresses').$type<string[]>().notNull().default([]),
  username: text('username'),
  // Needed in clear to answer the carrier's digest challenges; never returned by the API.
  password: text('password'),
  registerExpires: integer('register_expires').notNull().default(600),
  /** Whether the carrier wants the + of E.164 in the Request-URI. */
  numberFormat: text('number_format', { enum: ['e164', 'e164-no-plus'] })
    .notNull()
    .default('e164'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const numbers = pgTable(
  'numbers',
  {
    id: uuid('id').primaryKey(),
    e164: text('e164').notNull().unique(),
    country: text('country').notNull(),
    areaCode: text('area_code').notNull(),
    type: text('type', { enum: ['local', 'mobile', 'toll-free'] }).notNull(),
    trunkId: uuid('trunk_id').references(() => trunks.id, { onDelete: 'set null' }),
    // Null while the number sits in the operator's inventory.
    tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'set null' }),
    assignedAt: ts('assigned_at'),
    source: text('source', { enum: ['inventory', 'port-in'] })
      .notNull()
      .default('inventory'),
    emergencyAddress: jsonb('emergency_address').$type<PostalAddress>(),
    // Where an inbound call to this number goes (a line, until call flows exist).
    destinationLineId: uuid('destination_line_id').references(() => lines.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('numbers_tenant').on(t.tenantId, t.id),
    index('numbers_available').on(t.country, t.type, t.areaCode).where(sql`${t.tenantId} is null`),
  ],
);

/**
 * A person's line (contact method): SIP credentials its phones register with, and the inbound,
 * outbound and caller-ID settings of spec 001/003. Digest HA1s are stored, never the password.
 */
export const lines = pgTable(
  'lines',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    sipUsername: text('sip_username').notNull(),
    ha1Md5: text('ha1_md5').notNull(),
    ha1Sha256: text('ha1_sha256').notNull(),
    callerIdName: text('caller_id_name'),
    internalCallerId: text('internal_caller_id'),
    externalCallerIds: jsonb('external_caller_ids').$type<string[]>().notNull().default([]),
    externalCallsAllowed: boolean('external_calls_allowed').notNull().default(false),
    doNotDisturb: boolean('do_not_disturb').notNull().default(false),
    smartDoNotDisturb: boolean('smart_do_not_disturb').notNull().default(false),
    forwardTo: text('forward_to'),
    whenUnavailable: jsonb('when_unavailable')
      .$type<WhenUnavailable>()
      .notNull()
      .default({ action: 'hangup' }),
    ringTimeoutSeconds: integer('ring_timeout_seconds').notNull().default(30),
    recording: jsonb('recording').$type<LineRecording>().notNull().default(NO_RECORDING),
    internalAnnouncementFileId: uuid('internal_announcement_file_id').references(() => files.id, {
      onDelete: 'set null',
    }),
    externalAnnouncementFileId: uuid('external_announcement_file_id').references(() => files.id, {
      onDelete: 'set null',
    }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('lines_tenant_username').on(t.tenantId, t.sipUsername),
    uniqueIndex('lines_person').on(t.personId),
  ],
);

/** Price per minute of outbound calls by destination prefix (longest prefix wins). */
export const rates = pgTable('rates', {
  id: uuid('id').primaryKey(),
  prefix: text('prefix').notNull().unique(),
  perMinuteMicros: bigint('per_minute_micros', { mode: 'number' }).notNull(),
  description: text('description'),
  createdAt: createdAt(),
});

export interface CallLegRecord {
  role: 'caller' | 'callee';
  kind: 'line' | 'trunk' | 'sip';
  lineId?: string | undefined;
  trunkId?: string | undefined;
  uri: string;
  status?: number | undefined;
  answeredAt?: string | undefined;
  endedAt?: string | undefined;
}

/** One CDR per call, written in batches off the call path. */
export const callRecords = pgTable(
  'call_records',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    sipCallId: text('sip_call_id').notNull(),
    direction: text('direction', { enum: ['inbound', 'outbound', 'internal'] }).notNull(),
    callerNumber: text('caller_number').notNull(),
    callerName: text('caller_name'),
    calleeNumber: text('callee_number').notNull(),
    callerLineId: uuid('caller_line_id'),
    calleeLineId: uuid('callee_line_id'),
    trunkId: uuid('trunk_id'),
    startedAt: ts('started_at').notNull(),
    answeredAt: ts('answered_at'),
    endedAt: ts('ended_at').notNull(),
    durationSeconds: integer('duration_seconds').notNull(),
    billableSeconds: integer('billable_seconds').notNull(),
    disposition: text('disposition', {
      enum: ['answered', 'busy', 'no-answer', 'cancelled', 'failed', 'rejected'],
    }).notNull(),
    hangupCause: text('hangup_cause'),
    endedBy: text('ended_by', { enum: ['caller', 'callee', 'system'] }),
    costMicros: bigint('cost_micros', { mode: 'number' }).notNull().default(0),
    legs: jsonb('legs').$type<CallLegRecord[]>().notNull().default([]),
  },
  (t) => [
    index('call_records_tenant').on(t.tenantId, t.id),
    index('call_records_tenant_started').on(t.tenantId, t.startedAt),
  ],
);

export const files = pgTable(
  'files',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    purpose: text('purpose').notNull(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('files_tenant').on(t.tenantId, t.id)],
);

export const portInRequests = pgTable(
  'port_in_requests',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    numbers: jsonb('numbers').$type<string[]>().notNull(),
    currentCarrier: text('current_carrier').notNull(),
    accountNumber: text('account_number'),
    status: text('status', { enum: ['submitted', 'in_progress', 'completed', 'rejected'] }).notNull(),
    loaFileId: uuid('loa_file_id')
      .notNull()
      .references(() => files.id),
    invoiceFileId: uuid('invoice_file_id')
      .notNull()
      .references(() => files.id),
    requestedDate: text('requested_date'),
    submittedAt: ts('submitted_at').notNull(),
    startedAt: ts('started_at'),
    completedAt: ts('completed_at'),
    rejectedAt: ts('rejected_at'),
    rejectionReason: text('rejection_reason'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('port_in_tenant').on(t.tenantId, t.id)],
);

/** The shared business contact directory: customers and partners everyone sees in their app. */
export const contacts = pgTable(
  'contacts',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    company: text('company'),
    jobTitle: text('job_title'),
    emails: jsonb('emails').$type<LabelledEmail[]>().notNull().default([]),
    contactNumbers: jsonb('contact_numbers').$type<ContactNumber[]>().notNull().default([]),
    showInDirectory: boolean('show_in_directory').notNull().default(true),
    source: text('source', { enum: ['manual', 'csv'] })
      .notNull()
      .default('manual'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('contacts_tenant').on(t.tenantId, t.id)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    // The public part of the key, used to find it; the secret is stored only as a hash.
    prefix: text('prefix').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    scopes: jsonb('scopes').$type<ApiKeyScope[]>().notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    lastUsedAt: ts('last_used_at'),
    rotatedAt: ts('rotated_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('api_keys_tenant').on(t.tenantId, t.id)],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    actorType: text('actor_type', { enum: ['user', 'api_key', 'system'] }).notNull(),
    actorId: uuid('actor_id'),
    actorLabel: text('actor_label'),
    action: text('action').notNull(),
    resource: text('resource').notNull(),
    resourceId: text('resource_id'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('audit_tenant').on(t.tenantId, t.id)],
);

/** A tenant's call-flow canvas: the draft being edited and which published version is live. */
export const workspaces = pgTable('workspaces', {
  tenantId: uuid('tenant_id')
    .primaryKey()
    .references(() => tenants.id, { onDelete: 'cascade' }),
  draft: jsonb('draft').$type<Record<string, unknown>>().notNull(),
  updatedAt: updatedAt(),
  /** The version new calls run (workspace_versions.version of this tenant); null: none published. */
  publishedVersion: integer('published_version'),
});

/**
 * Every published workspace, numbered 1, 2, ... per tenant. Never rewritten: a rollback
 * publishes a copy of an old version as a new one. The PBX routes calls by the graph of
 * workspaces.published_version.
 */
export const workspaceVersions = pgTable(
  'workspace_versions',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    graph: jsonb('graph').$type<Record<string, unknown>>().notNull(),
    note: text('note'),
    publishedBy: uuid('published_by').references(() => users.id, { onDelete: 'set null' }),
    publishedAt: ts('published_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('workspace_versions_tenant_version').on(t.tenantId, t.version)],
);

/** A saved flow scenario with its expected outcome, run against the draft or a version. */
export const flowTests = pgTable(
  'flow_tests',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    scenario: jsonb('scenario').$type<Record<string, unknown>>().notNull(),
    expected: jsonb('expected').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    lastRunAt: ts('last_run_at'),
    lastPassed: boolean('last_passed'),
  },
  (t) => [index('flow_tests_tenant').on(t.tenantId, t.id)],
);

/**
 * The tenant's audio prompt library: an uploaded recording (kept as its 8 kHz WAV rendering
 * in `files`) or a text spoken by TTS. Flow nodes refer to them as { kind: 'file', promptId }.
 */
export const audioPrompts = pgTable(
  'audio_prompts',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['file', 'tts'] }).notNull(),
    fileId: uuid('file_id').references(() => files.id),
    text: text('text'),
    language: text('language'),
    voice: text('voice'),
    durationMs: integer('duration_ms'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('audio_prompts_tenant_name').on(t.tenantId, t.name),
    index('audio_prompts_tenant').on(t.tenantId, t.id),
  ],
);

/** Teams of people: supervisors see and spy on their teams' agents and recordings. */
export const teams = pgTable(
  'teams',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('teams_tenant_name').on(t.tenantId, t.name)],
);

export const teamMembers = pgTable(
  'team_members',
  {
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['agent', 'supervisor'] }).notNull(),
  },
  (t) => [
    uniqueIndex('team_members_team_person').on(t.teamId, t.personId),
    index('team_members_person').on(t.personId),
  ],
);

/** A call queue (spec 000 "Call queues"); its members are in queue_members. */
export const queues = pgTable(
  'queues',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    strategy: text('strategy', {
      enum: ['ring-all', 'round-robin', 'longest-idle', 'fewest-calls', 'skills', 'random'],
    })
      .$type<QueueStrategy>()
      .notNull()
      .default('ring-all'),
    ringTimeoutSeconds: integer('ring_timeout_seconds').notNull().default(20),
    wrapUpSeconds: integer('wrap_up_seconds').notNull().default(10),
    maxWaitSeconds: integer('max_wait_seconds').notNull().default(600),
    maxCallers: integer('max_callers').notNull().default(50),
    // Hold music: an audio_prompts id, or null for the built-in music.
    musicPromptId: uuid('music_prompt_id'),
    announcePosition: boolean('announce_position').notNull().default(true),
    announceWaitTime: boolean('announce_wait_time').notNull().default(true),
    announceEverySeconds: integer('announce_every_seconds').notNull().default(60),
    // The key a waiting caller presses to be called back, or null for no callbacks.
    callbackKey: text('callback_key'),
    serviceLevelSeconds: integer('service_level_seconds').notNull().default(20),
    record: boolean('record').notNull().default(false),
    teamId: uuid('team_id').references(() => teams.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('queues_tenant_name').on(t.tenantId, t.name)],
);

/** An agent of a queue: a person (all their lines ring) or one line; skills with levels 1–10. */
export const queueMembers = pgTable(
  'queue_members',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    queueId: uuid('queue_id')
      .notNull()
      .references(() => queues.id, { onDelete: 'cascade' }),
    personId: uuid('person_id').references(() => people.id, { onDelete: 'cascade' }),
    lineId: uuid('line_id').references(() => lines.id, { onDelete: 'cascade' }),
    skills: jsonb('skills').$type<Record<string, number>>().notNull().default({}),
    // Overrides the queue's ring timeout for this agent.
    ringTimeoutSeconds: integer('ring_timeout_seconds'),
    loggedIn: boolean('logged_in').notNull().default(true),
    pausedReason: text('paused_reason'),
    createdAt: createdAt(),
  },
  (t) => [index('queue_members_queue').on(t.queueId), index('queue_members_person').on(t.personId)],
);

/** A voicemail box: one per person and one per queue (spec 000 "Voicemail"). */
export const voicemailBoxes = pgTable(
  'voicemail_boxes',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    personId: uuid('person_id').references(() => people.id, { onDelete: 'cascade' }),
    queueId: uuid('queue_id').references(() => queues.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    // scrypt hash of the PIN; never returned.
    pinHash: text('pin_hash'),
    greeting: jsonb('greeting').$type<VoicemailGreeting>().notNull().default({ kind: 'default' }),
    maxMessageSeconds: integer('max_message_seconds').notNull().default(120),
    emails: jsonb('emails').$type<string[]>().notNull().default([]),
    attachAudio: boolean('attach_audio').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('voicemail_boxes_person').on(t.personId),
    uniqueIndex('voicemail_boxes_queue').on(t.queueId),
    index('voicemail_boxes_tenant').on(t.tenantId, t.id),
  ],
);

export const voicemailMessages = pgTable(
  'voicemail_messages',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    boxId: uuid('box_id')
      .notNull()
      .references(() => voicemailBoxes.id, { onDelete: 'cascade' }),
    callId: text('call_id'),
    callerNumber: text('caller_number').notNull(),
    callerName: text('caller_name'),
    status: text('status', { enum: ['new', 'saved'] })
      .notNull()
      .default('new'),
    durationMs: integer('duration_ms').notNull(),
    // Relative to DATA_DIR.
    path: text('path').notNull(),
    bytes: integer('bytes').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('voicemail_messages_box').on(t.boxId, t.createdAt)],
);

/** A recording of (a branch of) a call: stereo WAV, caller left, the other party right. */
export const recordings = pgTable(
  'recordings',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    callId: text('call_id').notNull(),
    // Why it was recorded: a line's settings, a flow's record node, a queue, or on demand.
    source: text('source', { enum: ['line', 'flow', 'queue', 'on-demand'] }).notNull(),
    // Relative to DATA_DIR.
    path: text('path').notNull(),
    callerNumber: text('caller_number').notNull(),
    calleeNumber: text('callee_number').notNull(),
    // The people on the call, for supervisors who may see only their teams' recordings.
    personIds: jsonb('person_ids').$type<string[]>().notNull().default([]),
    queueId: uuid('queue_id'),
    startedAt: ts('started_at').notNull(),
    endedAt: ts('ended_at'),
    durationMs: integer('duration_ms'),
    bytes: bigint('bytes', { mode: 'number' }),
    expiresAt: ts('expires_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('recordings_tenant_started').on(t.tenantId, t.startedAt),
    index('recordings_expires').on(t.expiresAt),
  ],
);

/** The file a delivery method sends: the recording as MP3 (encoded once) or its stereo WAV. */
export type DeliveryFormat = 'mp3' | 'wav';
export type DeliveryKind = 'email' | 'ftp' | 'ftps' | 'sftp';
export interface EmailDeliverySettings {
  addresses: string[];
  format: DeliveryFormat;
}
export interface RemoteDeliverySettings {
  host: string;
  port: number;
  username: string;
  /** Where files go on the server, relative to the login folder unless it starts with /. */
  directory: string;
  format: DeliveryFormat;
  /** SFTP: the server's host key fingerprint (SHA256:...); another key is refused. */
  hostKeySha256?: string | null | undefined;
  /** FTPS: false accepts a certificate that does not verify (self-signed). Default true. */
  verifyCertificate?: boolean | undefined;
}
export type DeliverySettings = EmailDeliverySettings | RemoteDeliverySettings;

/**
 * Where a tenant's recordings are sent (spec 001/003 "Delivery Methods"): email addresses,
 * or an FTP, FTPS or SFTP server. Lines name the methods their recordings go to.
 */
export const deliveryMethods = pgTable(
  'delivery_methods',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['email', 'ftp', 'ftps', 'sftp'] })
      .$type<DeliveryKind>()
      .notNull(),
    settings: jsonb('settings').$type<DeliverySettings>().notNull(),
    // The server's password (FTP, FTPS, SFTP) or private key (SFTP), needed in clear to log
    // in; write-only in the API, never logged, audited only as changed.
    secret: text('secret'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('delivery_methods_tenant_name').on(t.tenantId, t.name),
    index('delivery_methods_tenant').on(t.tenantId, t.id),
  ],
);

/** One recording to one delivery method: a persistent queue entry, retried with backoff. */
export const recordingDeliveries = pgTable(
  'recording_deliveries',
  {
    recordingId: uuid('recording_id')
      .notNull()
      .references(() => recordings.id, { onDelete: 'cascade' }),
    methodId: uuid('method_id')
      .notNull()
      .references(() => deliveryMethods.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    // Counted when an attempt starts, so a node that dies mid-attempt still counts it.
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    // When a pending delivery is next due (an attempt running holds it a while in the future).
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    deliveredAt: ts('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'recording_deliveries_pk', columns: [t.recordingId, t.methodId] }),
    index('recording_deliveries_due').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('recording_deliveries_method').on(t.methodId),
  ],
);
