// Account mechanics shared by the auth routes: sessions, single-use tokens, TOTP.
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import type { Db } from '../../store/database.ts';
import { oneTimeTokens, sessions, type users } from '../../store/schema.ts';
import { ApiError } from '../errors.ts';
import type { Services } from '../server.ts';
import { randomToken, sha256 } from './crypto.ts';
import { SESSION_COOKIE } from './principal.ts';

type User = typeof users.$inferSelect;
type TokenKind = (typeof oneTimeTokens.$inferInsert)['kind'];

export async function startSession(
  services: Services,
  req: FastifyRequest,
  reply: FastifyReply,
  userId: string,
): Promise<void> {
  const token = randomToken();
  const ttlMs = services.config.sessionTtlHours * 3600_000;
  await services.store.db.insert(sessions).values({
    tokenHash: sha256(token),
    userId,
    expiresAt: new Date(Date.now() + ttlMs),
    ip: req.ip,
    userAgent: req.headers['user-agent']?.slice(0, 300) ?? null,
  });
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: services.config.publicUrl.startsWith('https:'),
    path: '/',
    maxAge: ttlMs / 1000,
  });
}

export async function issueToken(
  db: Db,
  kind: TokenKind,
  userId: string | null,
  ttlMs: number,
): Promise<string> {
  const token = randomToken();
  await db
    .insert(oneTimeTokens)
    .values({ tokenHash: sha256(token), kind, userId, expiresAt: new Date(Date.now() + ttlMs) });
  return token;
}

/** Marks a token used and returns its user; a used, unknown or expired token is refused. */
export async function redeemToken(db: Db, kind: TokenKind, token: string): Promise<string | null> {
  const hash = sha256(token);
  const [row] = await db
    .update(oneTimeTokens)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(oneTimeTokens.tokenHash, hash),
        eq(oneTimeTokens.kind, kind),
        isNull(oneTimeTokens.usedAt),
        gt(oneTimeTokens.expiresAt, new Date()),
      ),
    )
    .returning({ userId: oneTimeTokens.userId });
  if (row) return row.userId;
  const [stale] = await db.select().from(oneTimeTokens).where(eq(oneTimeTokens.tokenHash, hash)).limit(1);
  if (stale && !stale.usedAt && stale.kind === kind) {
    throw new ApiError(410, 'token_expired', 'this link has expired; ask for a new one');
  }
  throw new ApiError(400, 'invalid_token', 'this link is not valid or was already used');
}

export const newTotpSecret = (): string => generateSecret();
export const totpUri = (secret: string, email: string): string =>
  generateURI({ issuer: 'Switchboard', label: email, secret });

const STEP_SECONDS = 30;

/**
 * Checks a 6-digit code with ±1 step of clock skew. Returns the time step it matched, which
 * must be newer than the last one accepted: a code cannot be replayed (RFC 6238 §5.2).
 */
export async function checkTotp(
  user: Pick<User, 'totpSecret' | 'totpLastStep'>,
  code: string,
): Promise<number | null> {
  if (!user.totpSecret || !/^\d{6}$/.test(code)) return null;
  const result = await verifyTotp({ secret: user.totpSecret, token: code, epochTolerance: STEP_SECONDS });
  if (!result.valid) return null;
  const step = Math.floor(Date.now() / 1000 / STEP_SECONDS) + ('delta' in result ? (result.delta ?? 0) : 0);
  if (user.totpLastStep !== null && step <= user.totpLastStep) return null;
  return step;
}

export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: 10 }, () => {
    const raw = randomToken(8).replace(/[-_]/g, 'x').slice(0, 10).toLowerCase();
    return `${raw.slice(0, 5)}-${raw.slice(5, 10)}`;
  });
  return { codes, hashes: codes.map((c) => sha256(c)) };
}

export const userView = (u: User) => ({
  id: u.id,
  email: u.email,
  role: u.role,
  tenantId: u.tenantId,
  personId: u.personId,
  mfaEnabled: !!u.totpEnabledAt,
});
