// Wires the running process: config, logger, store, mail, files and the HTTP server.
import { join } from 'node:path';
import { and, count, eq } from 'drizzle-orm';
import pino, { type Logger } from 'pino';
import { issueToken } from '../api/auth/accounts.ts';
import { greetingFiles } from '../api/routes/voicemail.ts';
import { type App, buildServer } from '../api/server.ts';
import type { Config } from '../config/index.ts';
import { Pbx, type PbxOptions } from '../pbx/pbx.ts';
import { LocalFileStorage } from '../services/files.ts';
import { OutboxMailer, SmtpMailer } from '../services/mail.ts';
import { openStore, type Store, storeLocationFromConfig } from '../store/database.ts';
import { serializeLoggedError } from '../store/query-errors.ts';
import { audioPrompts, files, oneTimeTokens, users } from '../store/schema.ts';

/** The process logger (stdout unless a destination is given): no credentials, no query values. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password'],
    serializers: { err: serializeLoggedError },
  };
  return destination ? pino(options, destination) : pino(options);
}

export async function openMigratedStore(config: Config, logger: Logger): Promise<Store> {
  const location = storeLocationFromConfig(config);
  const store = await openStore(location);
  await store.migrate();
  logger.info(
    { database: location.kind, ...(location.kind === 'pglite' ? { dir: location.dir } : {}) },
    'database ready',
  );
  return store;
}

export interface Running {
  app: App;
  store: Store;
  pbx: Pbx | null;
  close(): Promise<void>;
}

/** Options of the PBX that are not configuration (tests: short SIP timers, digest order). */
export type PbxOverrides = Pick<PbxOptions, 'timers' | 'digestAlgorithms' | 'recordingDelivery'>;

export async function startServer(
  config: Config,
  logger: Logger,
  store: Store,
  pbxOverrides: PbxOverrides = {},
): Promise<Running> {
  const outbox = config.smtpUrl ? null : new OutboxMailer(join(config.dataDir, 'outbox'), config.mailFrom);
  const mailer = outbox ?? new SmtpMailer(config.smtpUrl as string, config.mailFrom);
  const filesRoot = join(config.dataDir, 'files');
  const storage = new LocalFileStorage(filesRoot);
  const app = await buildServer({ config, store, mailer, outbox, files: storage, pbx: null }, logger);
  const pbx = config.sipEnabled
    ? await Pbx.start({
        ...pbxOverrides,
        config,
        db: store.db,
        logger,
        httpServer: app.server,
        promptPath: async (fileId) => {
          const [f] = await store.db.select().from(files).where(eq(files.id, fileId));
          return f ? join(filesRoot, f.storageKey) : undefined;
        },
        promptSource: async (tenantId, promptId) => {
          const [row] = await store.db
            .select({ prompt: audioPrompts, storageKey: files.storageKey })
            .from(audioPrompts)
            .leftJoin(files, eq(files.id, audioPrompts.fileId))
            .where(and(eq(audioPrompts.id, promptId), eq(audioPrompts.tenantId, tenantId)));
          if (!row) return undefined;
          const p = row.prompt;
          if (p.kind === 'tts' && p.text && p.language)
            return {
              kind: 'tts',
              text: p.text,
              language: p.language,
              ...(p.voice ? { voice: p.voice } : {}),
            };
          return row.storageKey ? { kind: 'file', path: join(filesRoot, row.storageKey) } : undefined;
        },
        sendMail: async (_tenantId, message) => {
          for (const to of message.to)
            await mailer.send({ to, subject: message.subject, text: message.text });
        },
        voicemail: { sendMail: (mail) => mailer.send(mail), greetingFiles: greetingFiles(store.db, storage) },
        recordingDelivery: { sendMail: (mail) => mailer.send(mail), ...pbxOverrides.recordingDelivery },
      })
    : null;
  app.services.pbx = pbx;
  try {
    await app.listen({ host: config.httpHost, port: config.httpPort });
  } catch (e) {
    await pbx?.shutdown();
    throw e;
  }
  return {
    app,
    store,
    pbx,
    // Fastify's close stops accepting and lets in-flight requests finish; calls are ended and
    // CDRs flushed before the database closes.
    close: async () => {
      await app.close();
      await pbx?.shutdown();
      await store.close();
    },
  };
}

/** On a database without a platform operator, a one-time setup link is printed. */
export async function announceSetup(config: Config, logger: Logger, store: Store): Promise<void> {
  const [row] = await store.db.select({ n: count() }).from(users).where(eq(users.role, 'operator'));
  if ((row?.n ?? 0) > 0) return;
  await store.db.delete(oneTimeTokens).where(eq(oneTimeTokens.kind, 'operator_setup'));
  const token = await issueToken(store.db, 'operator_setup', null, 24 * 3600_000);
  const link = `${config.publicUrl}/setup?token=${token}`;
  // The link is a credential: it goes to the console, not into the structured log.
  logger.info('no platform operator yet: the one-time setup link is printed on the console');
  process.stdout.write(
    `\n  Switchboard has no platform operator yet. Create it within 24 hours:\n` +
      `    open ${link}\n` +
      `    or POST /api/setup {"token":"${token}","email":...,"password":...}\n` +
      `    or run: npm run switchboard -- admin create --email you@example.com\n\n`,
  );
}
