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
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('numbers_tenant').on(t.tenantId, t.id),
    index('numbers_available').on(t.country, t.type, t.areaCode).where(sql`${t.tenantId} is null`),
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

/** A tenant's call-flow canvas; the Call flows work gives it versions and validation. */
export const workspaces = pgTable('workspaces', {
  tenantId: uuid('tenant_id')
    .primaryKey()
    .references(() => tenants.id, { onDelete: 'cascade' }),
  draft: jsonb('draft').$type<Record<string, unknown>>().notNull(),
  updatedAt: updatedAt(),
});
