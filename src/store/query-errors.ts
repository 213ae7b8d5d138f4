// Database errors as they may be logged. Drizzle puts a failed query's parameters in the
// error's message and stack, and those parameters can be secrets (a trunk or delivery
// password on its way in): logs get the query and the database's own reason, never the values.
import { DrizzleQueryError } from 'drizzle-orm/errors';
import pino from 'pino';

type Serialized = ReturnType<typeof pino.stdSerializers.err>;

/** pino's error serializer, with query parameters left out of database errors. */
export function serializeLoggedError(err: unknown): Serialized | unknown {
  if (!(err instanceof Error)) return err;
  if (!(err instanceof DrizzleQueryError)) return pino.stdSerializers.err(err);
  const reason = err.cause instanceof Error ? err.cause : undefined;
  const safe = new Error(`Failed query: ${err.query}${reason ? `: ${reason.message}` : ''}`);
  safe.name = 'DrizzleQueryError';
  // The stack's first line repeats the message with the values; keep only the frames.
  safe.stack = [
    `DrizzleQueryError: ${safe.message}`,
    ...(err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)),
  ].join('\n');
  const out = pino.stdSerializers.err(safe) as Serialized & { code?: string; detail?: string };
  const pg = reason as (Error & { code?: string; detail?: string }) | undefined;
  if (pg?.code) out.code = pg.code;
  return out;
}
