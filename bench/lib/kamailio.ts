// Kamailio 5.6 (Debian) as the registrar baseline: the shared config of
// /work/shared/bench/kamailio with a db_text subscriber table in a temp RUN_DIR.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupCpuSeconds, type Spawned, startProcess } from './processes.ts';

export const KAMAILIO = '/usr/sbin/kamailio';
const SHARED_CONFIG = process.env.BENCH_KAMAILIO_CFG ?? '/work/shared/bench/kamailio/kamailio.cfg';
export const KAMAILIO_PORT = 5070;

export interface Kamailio extends Spawned {
  port: number;
  /** CPU seconds of the main process and all its children. */
  cpu(): number;
  close(): Promise<void>;
}

export function kamailioAvailable(): string | null {
  if (!existsSync(KAMAILIO)) return `${KAMAILIO} is missing (scripts/install-test-peers.sh installs it)`;
  if (!existsSync(SHARED_CONFIG)) return `${SHARED_CONFIG} is missing`;
  return null;
}

/** Starts Kamailio with users `user;password` pairs, all in domain 127.0.0.1. */
export async function startKamailio(
  users: { username: string; password: string }[],
  children = 4,
): Promise<Kamailio> {
  const runDir = mkdtempSync(join(tmpdir(), 'bench-kamailio-'));
  mkdirSync(join(runDir, 'db'));
  writeFileSync(
    join(runDir, 'db', 'version'),
    'table_name(string) table_version(int)\nsubscriber:7\nlocation:9\n',
  );
  writeFileSync(
    join(runDir, 'db', 'subscriber'),
    `id(int,auto) username(string) domain(string) password(string)\n${users
      .map((u, i) => `${i + 1}:${u.username}:127.0.0.1:${u.password}`)
      .join('\n')}\n`,
  );
  const cfg = join(runDir, 'kamailio.cfg');
  writeFileSync(cfg, readFileSync(SHARED_CONFIG, 'utf8').replaceAll('@RUN_DIR@', runDir));
  const p = startProcess(
    KAMAILIO,
    [
      '-f',
      cfg,
      '-A',
      `CHILDREN=${children}`,
      '-DD',
      '-E',
      '-m',
      '2048',
      '-M',
      '16',
      '-P',
      join(runDir, 'pid'),
    ],
    runDir,
  );
  // Ready once its ctl socket exists (created after the modules have initialised).
  const started = Date.now();
  while (!existsSync(join(runDir, 'ctl'))) {
    if (p.child.exitCode !== null || Date.now() - started > 10_000) {
      await p.stop();
      rmSync(runDir, { recursive: true, force: true });
      throw new Error(`Kamailio did not start: ${p.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 300));
  return {
    ...p,
    port: KAMAILIO_PORT,
    cpu: () => groupCpuSeconds(p.pid),
    async close() {
      await p.stop(3000);
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
