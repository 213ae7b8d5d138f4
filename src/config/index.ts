// Switchboard's settings: every one has an environment variable and a default, and the
// README's configuration reference is generated from this table (npm run docs:config).
import { resolve } from 'node:path';

interface SettingSpec<T> {
  env: string;
  default: T;
  describe: string;
  parse: (raw: string) => T;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const str = (env: string, def: string, describe: string): SettingSpec<string> => ({
  env,
  default: def,
  describe,
  parse: (raw) => raw,
});
const optStr = (env: string, describe: string): SettingSpec<string | undefined> => ({
  env,
  default: undefined,
  describe,
  parse: (raw) => raw || undefined,
});
const int = (env: string, def: number, describe: string, min = 0, max = Number.MAX_SAFE_INTEGER) => ({
  env,
  default: def,
  describe,
  parse: (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`${env} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return n;
  },
});
const bool = (env: string, def: boolean, describe: string): SettingSpec<boolean> => ({
  env,
  default: def,
  describe,
  parse: (raw) => {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(`${env} must be true or false, got "${raw}"`);
  },
});

export const settings = {
  httpHost: str(
    'HTTP_HOST',
    '0.0.0.0',
    'Address the HTTP server (API, console, SIP over WebSocket) listens on',
  ),
  httpPort: int('HTTP_PORT', 8080, 'HTTP port', 0, 65535),
  publicUrl: str(
    'PUBLIC_URL',
    '',
    'Base URL used in links sent by email (default http://localhost:HTTP_PORT)',
  ),
  dataDir: str('DATA_DIR', 'data', 'Folder for the embedded database, uploaded files and the mail outbox'),
  databaseUrl: optStr(
    'DATABASE_URL',
    'PostgreSQL connection string; when unset, the embedded PGlite database under DATA_DIR/db is used',
  ),
  databasePoolSize: int('DATABASE_POOL_SIZE', 10, 'PostgreSQL connection pool size', 1, 500),
  logLevel: str('LOG_LEVEL', 'info', 'pino log level: fatal, error, warn, info, debug, trace or silent'),
  sipDomainSuffix: str(
    'SIP_DOMAIN_SUFFIX',
    'sip.switchboard.local',
    'Parent domain of tenant SIP domains (a tenant gets <slug>.<suffix>)',
  ),
  smtpUrl: optStr(
    'SMTP_URL',
    'SMTP server for outgoing mail (smtp://user:pass@host:587); when unset, mail goes to DATA_DIR/outbox',
  ),
  mailFrom: str('MAIL_FROM', 'Switchboard <no-reply@switchboard.local>', 'From address of outgoing mail'),
  sessionTtlHours: int('SESSION_TTL_HOURS', 12, 'Lifetime of a console login session', 1, 24 * 90),
  invitationTtlHours: int('INVITATION_TTL_HOURS', 72, 'How long an invitation link stays valid', 1, 24 * 60),
  verificationTtlHours: int(
    'VERIFICATION_TTL_HOURS',
    48,
    'How long an email verification or password reset link stays valid',
    1,
    24 * 30,
  ),
  loginMaxFailures: int(
    'LOGIN_MAX_FAILURES',
    5,
    'Failed logins for one account before it is locked',
    1,
    1000,
  ),
  loginLockoutMinutes: int('LOGIN_LOCKOUT_MINUTES', 15, 'How long a locked account stays locked', 1, 24 * 60),
  authRateLimitPerMinute: int(
    'AUTH_RATE_LIMIT_PER_MINUTE',
    30,
    'Sign-up, login and password-reset requests allowed per client IP per minute',
    1,
    100_000,
  ),
  uploadMaxBytes: int('UPLOAD_MAX_BYTES', 10 * 1024 * 1024, 'Largest accepted file upload', 1024),
  csvMaxRows: int('CSV_MAX_ROWS', 10_000, 'Most rows accepted in one CSV import', 1, 1_000_000),
  allowFreeEmailSignup: bool(
    'ALLOW_FREE_EMAIL_SIGNUP',
    false,
    'Accept sign-ups from free mail providers (gmail.com, outlook.com ...); off means business email only',
  ),
  sipEnabled: bool('SIP_ENABLED', true, 'Run the SIP server and media engine beside the API'),
  sipHost: str('SIP_HOST', '0.0.0.0', 'Address SIP over UDP and TCP listens on'),
  sipPort: int('SIP_PORT', 5060, 'SIP port for UDP and TCP (0 picks a free one)', 0, 65535),
  sipPublicHost: str(
    'SIP_PUBLIC_HOST',
    '',
    'Address phones and carriers reach this server at, written in Via, Contact and SDP (default: SIP_HOST, or 127.0.0.1 when that is 0.0.0.0)',
  ),
  rtpPortMin: int('RTP_PORT_MIN', 20000, 'First UDP port of the RTP range', 1024, 65535),
  rtpPortMax: int('RTP_PORT_MAX', 30000, 'Last UDP port of the RTP range', 1024, 65535),
  mediaWorkers: int('MEDIA_WORKERS', 0, 'Media worker threads (0: one per core)', 0, 64),
  registerMinExpires: int(
    'REGISTER_MIN_EXPIRES',
    60,
    'Shortest registration accepted; shorter ones get 423 with Min-Expires',
    1,
    86_400,
  ),
  registerMaxExpires: int('REGISTER_MAX_EXPIRES', 3600, 'Longest registration granted', 1, 86_400),
  sipAuthBanFailures: int(
    'SIP_AUTH_BAN_FAILURES',
    20,
    'Failed SIP authentications from one address within the window before it is banned',
    1,
    100_000,
  ),
  sipAuthBanWindowSeconds: int(
    'SIP_AUTH_BAN_WINDOW_SECONDS',
    60,
    'Window in which failed SIP authentications are counted',
    1,
    86_400,
  ),
  sipAuthBanSeconds: int('SIP_AUTH_BAN_SECONDS', 900, 'How long a banned address is ignored', 1, 30 * 86_400),
  sipDigestAlgorithms: {
    env: 'SIP_DIGEST_ALGORITHMS',
    default: ['MD5'] as ('MD5' | 'SHA-256')[],
    describe:
      'Digest algorithms phones are challenged with, in order (MD5, SHA-256). Many phones (and sipp, and baresip 1.0) fail when any SHA-256 challenge is offered, so the default is MD5',
    parse: (raw: string): ('MD5' | 'SHA-256')[] => {
      const list = raw.split(',').map((a) => a.trim().toUpperCase());
      if (list.length === 0 || list.some((a) => a !== 'MD5' && a !== 'SHA-256'))
        throw new ConfigError(`SIP_DIGEST_ALGORITHMS must list MD5 and/or SHA-256, got "${raw}"`);
      return [...new Set(list)] as ('MD5' | 'SHA-256')[];
    },
  },
  sessionExpiresSeconds: int(
    'SESSION_EXPIRES_SECONDS',
    1800,
    'RFC 4028 session interval asked of call legs; a leg not refreshed in time is hung up',
    90,
    86_400,
  ),
  flowHttpAllowPrivate: bool(
    'FLOW_HTTP_ALLOW_PRIVATE',
    false,
    "Let call flows' HTTP and lookup nodes reach private, loopback and link-local addresses (off: a tenant's flow cannot probe the operator's network)",
  ),
  trustProxy: bool(
    'TRUST_PROXY',
    false,
    'Take the client address from X-Forwarded-For (behind a reverse proxy)',
  ),
} as const;

type Settings = typeof settings;
export type Config = { -readonly [K in keyof Settings]: Settings[K]['default'] };

/** Reads settings from an environment (process.env by default); overrides win. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(settings) as [string, SettingSpec<unknown>][]) {
    const raw = env[spec.env];
    out[key] = raw === undefined || raw === '' ? spec.default : spec.parse(raw);
  }
  const config = { ...out, ...overrides } as Config;
  config.dataDir = resolve(config.dataDir);
  if (config.rtpPortMax <= config.rtpPortMin)
    throw new ConfigError('RTP_PORT_MAX must be greater than RTP_PORT_MIN');
  if (config.registerMaxExpires < config.registerMinExpires)
    throw new ConfigError('REGISTER_MAX_EXPIRES must not be less than REGISTER_MIN_EXPIRES');
  config.publicUrl = (config.publicUrl || `http://localhost:${config.httpPort}`).replace(/\/+$/, '');
  return config;
}
