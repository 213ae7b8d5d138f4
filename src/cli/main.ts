#!/usr/bin/env node
// switchboard start [--demo] | migrate | admin create --email EMAIL
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { hashPassword } from '../api/auth/crypto.ts';
import { email as emailSchema, password as passwordSchema } from '../api/schemas.ts';
import { ConfigError, loadConfig } from '../config/index.ts';
import { newId } from '../store/ids.ts';
import { users } from '../store/schema.ts';
import { DEMO_ADMIN_EMAIL, seedDemo } from './demo.ts';
import { announceSetup, createLogger, openMigratedStore, startServer } from './runtime.ts';

const USAGE = `usage:
  switchboard start [--demo]            run Switchboard (migrates the database first)
  switchboard migrate                   apply database migrations and exit
  switchboard admin create --email E    create the platform operator; the password is read
                                        from SWITCHBOARD_ADMIN_PASSWORD or asked for
Settings come from environment variables; see the README.`;

async function readPassword(): Promise<string> {
  const fromEnv = process.env.SWITCHBOARD_ADMIN_PASSWORD;
  if (fromEnv) return fromEnv;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  try {
    return (await rl.question('password (at least 10 characters): ')).trim();
  } finally {
    rl.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      demo: { type: 'boolean', default: false },
      email: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command = 'start', sub] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const logger = createLogger(config);

  if (command === 'migrate') {
    const store = await openMigratedStore(config, logger);
    await store.close();
    return 0;
  }

  if (command === 'admin' && sub === 'create') {
    // The same rules as the API's setup and sign-up.
    const email = emailSchema.safeParse(values.email ?? '');
    if (!email.success) {
      console.error(`give the operator email with --email: it ${email.error.issues[0]?.message}`);
      return 2;
    }
    const password = passwordSchema.safeParse(await readPassword());
    if (!password.success) {
      console.error(`the password ${password.error.issues[0]?.message}`);
      return 2;
    }
    const store = await openMigratedStore(config, logger);
    try {
      const [existing] = await store.db
        .select({ id: users.id })
        .from(users)
        .where(eq(users.email, email.data));
      if (existing) {
        console.error(`${email.data} already has an account`);
        return 1;
      }
      await store.db.insert(users).values({
        id: newId(),
        email: email.data,
        passwordHash: await hashPassword(password.data),
        role: 'operator',
        emailVerifiedAt: new Date(),
      });
      console.log(`platform operator ${email.data} created; sign in at ${config.publicUrl}/login`);
      return 0;
    } finally {
      await store.close();
    }
  }

  if (command !== 'start') {
    console.error(USAGE);
    return 2;
  }

  const store = await openMigratedStore(config, logger);
  if (values.demo) {
    const demo = await seedDemo(store, config);
    if (demo.created) {
      process.stdout.write(
        `\n  Demo company ready. Sign in as ${DEMO_ADMIN_EMAIL} with password ${demo.password}\n\n`,
      );
    } else {
      logger.info(
        { admin: DEMO_ADMIN_EMAIL },
        'demo company already present (reset its password from the login page)',
      );
    }
  }
  await announceSetup(config, logger, store);
  const running = await startServer(config, logger, store);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn('second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    running.close().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // A bug in one call's handling must not end every other call: log it and keep serving.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError) console.error(`configuration error: ${err.message}`);
    else console.error(err);
    process.exit(1);
  },
);
