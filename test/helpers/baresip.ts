// Drives real baresip processes for interop tests: register at a registrar (or not), dial,
// auto-answer, play a sine, record each call's audio, hang up, and follow the call states.
//
// Findings on Debian's baresip-core (baresip v1.0.0, modules in /usr/lib/baresip/modules):
// - Modules used: g711 (PCMU/PCMA, the only codecs loaded, so no other can be offered),
//   ausine (sine source), aufile (WAV file source), sndfile (recording), menu (the commands
//   dial/accept/hangup/uanew/quit), ctrl_tcp (the control channel). Nothing else is loaded:
//   no audio hardware (alsa/pulse), no STUN/TURN/ICE, no video, no stdio/cons (stdio needs a
//   terminal). No audio player module is loaded at all; the receive path (decode -> sndfile)
//   runs anyway, and `audio_alert` is empty so no ring tones are played.
// - Control: ctrl_tcp on 127.0.0.1:<free port>, netstrings (`<len>:<json>,`) both ways.
//   Commands are `{"command","params","token"}`, answered by `{"response":true,"ok","data",
//   "token"}`; events are `{"event":true,"class","type","accountaor","direction","peeruri",
//   "id","param"}`, e.g. REGISTER_OK / REGISTER_FAIL / CALL_INCOMING / CALL_RINGING /
//   CALL_ESTABLISHED / CALL_CLOSED (param = reason, e.g. "Connection reset by user").
// - Registration starts as soon as a UA exists, before we could connect to ctrl_tcp, so the
//   `accounts` file is left empty and the account is created with `uanew <line>` once the
//   control connection is up: REGISTERING/REGISTER_OK can then not be missed.
// - Account line: `"Name" <sip:user@domain>;auth_user=..;auth_pass=..;outbound="sip:host:port;
//   transport=udp";regint=..;answermode=auto;audio_codecs=PCMU,PCMA`. REGISTER goes to
//   `sip:domain` with `Route: <sip:host:port;transport=udp;lr>` (outbound gets `;lr`), and
//   INVITEs also go through the outbound proxy. The Contact user is `<user>-0x<pointer>`,
//   not the plain user. Values cannot contain ; < > " , or spaces (no escaping in v1.0.0).
// - Without a registrar the account is `<sip:<name>@127.0.0.1>;regint=0`; a peer reaches it at
//   `sip:<name>@127.0.0.1:<sipPort>`.
// - `net_interface lo` fails ("could not get network address"); `net_interface 127.0.0.1`
//   works and makes SDP offer 127.0.0.1 (without it SDP carries the host's eth0 address).
// - ausine only runs at 48 kHz stereo (ausrc_srate 48000, ausrc_channels 2); baresip
//   resamples to the codec's 8 kHz mono itself ("enable ausrc resampler" in the log).
// - With answermode=auto v1.0.0 answers at once and emits no CALL_INCOMING; this helper then
//   reports a synthetic `incoming` event (raw CALL_REMOTE_SDP) so tests can wait for it alike.
// - sndfile writes two files per call into snd_path, 16-bit mono at the codec rate (8 kHz for
//   G.711): `dump-<YYYY-MM-DD-hh-mm-ss>-enc.wav` = what this instance sent (its source, before
//   encoding) and `...-dec.wav` = what it received (after decoding). Names have one-second
//   resolution: two calls of one instance started in the same second overwrite each other.
//   The WAV header is final only once the call is torn down (recordings() waits for that).
// - aufile loads the whole WAV into memory and, when it has played it, raises AUDIO_ERROR
//   "end of file", which ends the call (CALL_CLOSED "end of file"): a `wav` source must be
//   at least as long as the call. "Silence" is therefore a 300 s silent 8 kHz WAV (4.8 MB).
// - The menu module prints a status line (`[0:00:01] audio=...`) many times a second while in a
//   call; it is kept out of the log.
// - `sip_listen` binds UDP and TCP on its port, so a free port is checked for both.
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Socket as TcpSocket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BARESIP_BIN = process.env.BARESIP_BIN ?? '/usr/bin/baresip';
export const BARESIP_MODULES = process.env.BARESIP_MODULES ?? '/usr/lib/baresip/modules';

export interface BaresipAccount {
  /** SIP user (the extension), also the digest username unless authUser is given. */
  user: string;
  password: string;
  /** The domain of the AOR: sip:user@domain. */
  domain: string;
  /** host:port the REGISTER (and every request) is sent to, as outbound proxy. */
  registrar: string;
  transport?: 'udp';
  displayName?: string;
  authUser?: string;
  /** Registration interval in seconds; default 600. */
  regint?: number;
}

export interface BaresipOptions {
  /** Instance name, used in the temp dir, logs and (without account) the local AOR user. */
  name: string;
  /** Registrar account; null or absent: a local account sip:<name>@127.0.0.1 without registration. */
  account?: BaresipAccount | null;
  /** What this instance sends: a sine (ausine) or silence (default; a silent WAV via aufile). */
  tone?: { hz: number } | 'silence';
  /**
   * Instead of `tone`: play this WAV file (16-bit PCM, mono or stereo, any rate) once; the
   * call ends ("end of file") when it has been played, so make it longer than the call.
   */
  wav?: string;
  /** Record each call's audio (both directions) with sndfile. Default false. */
  record?: boolean;
  /** Answer incoming calls at once (account answermode=auto). Default false. */
  autoAnswer?: boolean;
  /** Codecs offered, in order. Default PCMU, PCMA. */
  codecs?: ReadonlyArray<'PCMU' | 'PCMA'>;
  /** With an account: wait for REGISTER_OK (throw on REGISTER_FAIL) before returning. Default true. */
  awaitRegistration?: boolean;
  /** Timeout for start-up and registration. Default 10 s. */
  startTimeoutMs?: number;
  /** Run with -s (SIP trace into the log). Default false. */
  sipTrace?: boolean;
}

export type BaresipEventType =
  | 'registering'
  | 'registered'
  | 'register-failed'
  | 'unregistering'
  | 'incoming'
  | 'ringing'
  | 'progress'
  | 'established'
  | 'rtp-established'
  | 'closed'
  | 'audio-error'
  | 'exit'
  | 'other';

export interface BaresipEvent {
  type: BaresipEventType;
  /** baresip's own event type, e.g. CALL_CLOSED. */
  raw: string;
  /** Position in this instance's event list (see mark()). */
  seq: number;
  aor?: string;
  direction?: 'incoming' | 'outgoing';
  peerUri?: string;
  /** baresip's call id (the SIP Call-ID). */
  callId?: string;
  /** Event parameter: the reason for closed/register-failed, the peer URI for calls, ... */
  param?: string;
  /** The whole JSON object baresip sent. */
  json: Record<string, unknown>;
}

export type EventMatch = BaresipEventType | ((e: BaresipEvent) => boolean);

export interface Recording {
  path: string;
  /** sent: this instance's own source (sndfile "enc"); received: the far end (sndfile "dec"). */
  direction: 'sent' | 'received';
}

export interface Baresip {
  readonly name: string;
  /** The AOR of the account, e.g. sip:201@acme.test or sip:b@127.0.0.1. */
  readonly aor: string;
  readonly sipPort: number;
  readonly ctrlPort: number;
  /** The instance's temp dir (config, accounts, recordings); removed by stop(). */
  readonly dir: string;
  /** URI a peer dials to reach this instance directly, without a registrar. */
  readonly directUri: string;
  /** Every event so far, in order. */
  readonly events: readonly BaresipEvent[];
  /** stdout/stderr lines and control traffic, in order (status lines dropped). */
  readonly log: readonly string[];
  logTail(lines?: number): string;
  /** The current length of `events`; pass it as `since` to wait only for later events. */
  mark(): number;
  /** Resolves with the first event from `since` (default 0: all so far) that matches. */
  waitFor(match: EventMatch, opts?: { timeoutMs?: number; since?: number }): Promise<BaresipEvent>;
  /** Sends a ctrl_tcp command; resolves with the response data, throws if not ok. */
  command(command: string, params?: string, timeoutMs?: number): Promise<string>;
  dial(uri: string): Promise<void>;
  /** Accepts the current incoming call (without autoAnswer). */
  answer(): Promise<void>;
  hangup(): Promise<void>;
  /** Recorded files, after every call seen has closed and sndfile has finished them. */
  recordings(timeoutMs?: number): Promise<Recording[]>;
  /** Quits baresip (kills it if it does not exit) and removes the temp dir unless keepDir. */
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/** A 127.0.0.1 port free for UDP and (if `tcpToo`) TCP at the moment of asking. */
export async function freePort(tcpToo = true): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve(udp.address().port));
    });
    let ok = true;
    if (tcpToo) ok = await tcpPortFree(port);
    await new Promise<void>((r) => udp.close(() => r()));
    if (ok) return port;
  }
  throw new Error('no free port found');
}

function tcpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const address = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

const TYPE_MAP: Record<string, BaresipEventType> = {
  REGISTERING: 'registering',
  REGISTER_OK: 'registered',
  REGISTER_FAIL: 'register-failed',
  UNREGISTERING: 'unregistering',
  CALL_INCOMING: 'incoming',
  CALL_RINGING: 'ringing',
  CALL_PROGRESS: 'progress',
  CALL_ESTABLISHED: 'established',
  CALL_RTPESTAB: 'rtp-established',
  CALL_CLOSED: 'closed',
  AUDIO_ERROR: 'audio-error',
  EXIT: 'exit',
};

// Account line values are not escaped by baresip v1.0.0: refuse what would break the line.
function plain(what: string, v: string): string {
  if (/[;<>"\s,]/.test(v))
    throw new Error(`baresip account ${what} must not contain ; < > " , or spaces: ${v}`);
  return v;
}

function accountLine(opts: BaresipOptions): string {
  const codecs = (opts.codecs ?? ['PCMU', 'PCMA']).join(',');
  const common = `;answermode=${opts.autoAnswer ? 'auto' : 'manual'};audio_codecs=${codecs}`;
  const a = opts.account;
  if (!a) return `<sip:${plain('name', opts.name)}@127.0.0.1>;regint=0${common}`;
  if ((a.transport ?? 'udp') !== 'udp') throw new Error('only UDP is supported');
  const name = a.displayName === undefined ? '' : `"${a.displayName.replace(/["\\]/g, '')}" `;
  return (
    `${name}<sip:${plain('user', a.user)}@${plain('domain', a.domain)}>` +
    `;auth_user=${plain('authUser', a.authUser ?? a.user)};auth_pass=${plain('password', a.password)}` +
    `;outbound="sip:${plain('registrar', a.registrar)};transport=udp";regint=${a.regint ?? 600}${common}`
  );
}

function configText(o: {
  sipPort: number;
  ctrlPort: number;
  source: string;
  srate: number;
  channels: number;
  recDir: string | undefined;
}): string {
  const sourceModule = o.source.startsWith('ausine') ? 'ausine.so' : 'aufile.so';
  return [
    '# generated by test/helpers/baresip.ts',
    'poll_method epoll',
    `sip_listen 127.0.0.1:${o.sipPort}`,
    'net_interface 127.0.0.1',
    'call_local_timeout 120',
    'call_max_calls 4',
    'audio_player',
    'audio_alert',
    `audio_source ${o.source}`,
    `ausrc_srate ${o.srate}`,
    `ausrc_channels ${o.channels}`,
    'audio_level no',
    'rtcp_mux no',
    'rtp_stats no',
    `module_path ${BARESIP_MODULES}`,
    'module g711.so',
    `module ${sourceModule}`,
    ...(o.recDir ? ['module sndfile.so', `snd_path ${o.recDir}`] : []),
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${o.ctrlPort}`,
    '',
  ].join('\n');
}

/** The rate and channels of a WAV file, which aufile requires ausrc_* to match. */
async function wavFormat(path: string): Promise<{ rate: number; channels: number }> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    let off = 12;
    while (off + 8 <= bytesRead) {
      const id = head.toString('ascii', off, off + 4);
      const size = head.readUInt32LE(off + 4);
      if (id === 'fmt ') {
        const format = head.readUInt16LE(off + 8);
        const bits = head.readUInt16LE(off + 22);
        if (format !== 1 || bits !== 16) throw new Error(`${path}: aufile plays 16-bit PCM WAV only`);
        return { channels: head.readUInt16LE(off + 10), rate: head.readUInt32LE(off + 12) };
      }
      off += 8 + size + (size & 1);
    }
  } finally {
    await fh.close();
  }
  throw new Error(`${path}: no WAV fmt chunk`);
}

/** A silent 8 kHz mono WAV of `seconds` (aufile stops at the end of its file). */
async function writeSilence(path: string, seconds: number): Promise<void> {
  const data = 8000 * 2 * seconds;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data, 40);
  await writeFile(path, Buffer.concat([h, Buffer.alloc(data)]));
}

const STATUS_LINE = /^\[\d+:\d\d:\d\d\] audio=/;
const ANSI = /\x1b\[[0-9;]*m/g;

/** Starts one baresip instance and returns once it is ready (and registered, with an account). */
export async function startBaresip(opts: BaresipOptions): Promise<Baresip> {
  let lastError: unknown;
  // A port found free can be taken before baresip binds it: then baresip exits; retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortClashError)) throw err;
    }
  }
  throw lastError;
}

class PortClashError extends Error {}

async function startOnce(opts: BaresipOptions): Promise<Baresip> {
  const startTimeoutMs = opts.startTimeoutMs ?? 10_000;
  const dir = await mkdtemp(join(tmpdir(), `baresip-${opts.name.replace(/\W/g, '')}-`));
  const recDir = opts.record ? join(dir, 'recordings') : undefined;
  if (recDir) await mkdir(recDir);
  let source: string;
  let srate = 48000;
  let channels = 2;
  if (opts.wav) {
    ({ rate: srate, channels } = await wavFormat(opts.wav));
    source = `aufile,${opts.wav}`;
  } else if (opts.tone && opts.tone !== 'silence') {
    const hz = Math.round(opts.tone.hz);
    if (hz < 10 || hz > 20000) throw new Error('ausine frequency must be 10..20000 Hz');
    source = `ausine,${hz}`; // ausine runs at 48 kHz stereo only
  } else {
    await writeSilence(join(dir, 'silence.wav'), 300);
    source = `aufile,${join(dir, 'silence.wav')}`;
    srate = 8000;
    channels = 1;
  }
  const sipPort = await freePort(true);
  const ctrlPort = await freeTcpPort();
  await writeFile(join(dir, 'config'), configText({ sipPort, ctrlPort, source, srate, channels, recDir }));
  await writeFile(join(dir, 'accounts'), '');

  const log: string[] = [];
  const events: BaresipEvent[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const addLog = (line: string) => {
    const clean = line.replace(ANSI, '').trimEnd();
    if (clean === '' || STATUS_LINE.test(clean)) return;
    log.push(clean);
    if (log.length > 5000) log.splice(0, 1000);
  };
  const logTail = (n = 40) => log.slice(-n).join('\n');

  const args = ['-f', dir, ...(opts.sipTrace ? ['-s'] : [])];
  const child = spawn(BARESIP_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      addLog(`(baresip exited: code ${code}, signal ${signal})`);
      notify();
      resolve();
    });
  });
  child.once('error', (err) => {
    addLog(`(spawn failed: ${err.message})`);
    exited ??= { code: null, signal: null };
    notify();
  });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split(/[\r\n]/);
      partial = parts.pop() ?? '';
      for (const p of parts) addLog(p);
      // The status line has no newline; do not let it grow without bound.
      if (partial.length > 4096) partial = '';
    });
  }

  const failure = (what: string) =>
    new Error(`baresip ${opts.name}: ${what}\n--- last log lines ---\n${logTail()}`);

  const removeDir = () => rm(dir, { recursive: true, force: true });
  const kill = async () => {
    if (!exited) {
      child.kill('SIGKILL');
      await exitPromise;
    }
  };

  // Connect to ctrl_tcp (retrying until baresip listens).
  let socket: TcpSocket;
  try {
    socket = await connectCtrl(ctrlPort, startTimeoutMs, () => exited !== undefined);
  } catch (err) {
    await kill();
    const text = log.join('\n');
    await removeDir();
    if (/failed to listen|Address already in use/i.test(text)) throw new PortClashError(String(err));
    throw failure(`control connection failed: ${(err as Error).message}`);
  }

  const pending = new Map<string, { resolve: (data: string) => void; reject: (err: Error) => void }>();
  let tokenSeq = 0;
  const incomingSeen = new Set<string>();
  const activeCalls = new Set<string>();

  const pushEvent = (json: Record<string, unknown>, type: BaresipEventType, raw: string) => {
    const str = (k: string) => (typeof json[k] === 'string' ? (json[k] as string) : undefined);
    const dir = str('direction');
    const e: BaresipEvent = {
      type,
      raw,
      seq: events.length,
      json,
      ...(str('accountaor') === undefined ? {} : { aor: str('accountaor') }),
      ...(dir === 'incoming' || dir === 'outgoing' ? { direction: dir } : {}),
      ...(str('peeruri') === undefined ? {} : { peerUri: str('peeruri') }),
      ...(str('id') === undefined ? {} : { callId: str('id') }),
      ...(str('param') === undefined ? {} : { param: str('param') }),
    };
    events.push(e);
    if (type !== 'other' && type !== 'rtp-established') {
      addLog(`(event ${raw}${e.direction ? ` ${e.direction}` : ''}${e.param ? `: ${e.param}` : ''})`);
    }
  };

  const onMessage = (text: string) => {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      addLog(`(ctrl_tcp: not JSON: ${text})`);
      return;
    }
    if (json.response === true) {
      const token = String(json.token ?? '');
      const p = pending.get(token);
      if (p) {
        pending.delete(token);
        const data = typeof json.data === 'string' ? json.data : '';
        if (json.ok === true) p.resolve(data);
        else p.reject(failure(`command ${token} failed: ${data}`));
      }
      return;
    }
    if (json.event !== true) return;
    const raw = String(json.type ?? '');
    const id = typeof json.id === 'string' ? json.id : undefined;
    let type = TYPE_MAP[raw] ?? 'other';
    if (id && json.class === 'call') {
      if (type === 'closed') activeCalls.delete(id);
      else activeCalls.add(id);
    }
    // Auto-answered calls have no CALL_INCOMING in v1.0.0: report the first sign of one.
    if (id && json.direction === 'incoming' && !incomingSeen.has(id)) {
      if (type === 'other' || type === 'incoming') {
        incomingSeen.add(id);
        pushEvent(json, 'incoming', raw);
        notify();
        return;
      }
    }
    if (type === 'incoming' && id && incomingSeen.has(id)) type = 'other';
    pushEvent(json, type, raw);
    notify();
  };

  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const colon = buffer.indexOf(0x3a);
      if (colon < 0) break;
      const len = Number(buffer.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(len)) {
        addLog('(ctrl_tcp: bad netstring, dropping buffer)');
        buffer = Buffer.alloc(0);
        break;
      }
      if (buffer.length < colon + 1 + len + 1) break;
      onMessage(buffer.subarray(colon + 1, colon + 1 + len).toString('utf8'));
      buffer = buffer.subarray(colon + 2 + len);
    }
  });
  socket.on('error', (err) => addLog(`(ctrl_tcp socket error: ${err.message})`));
  socket.on('close', () => {
    for (const [token, p] of pending) p.reject(failure(`control connection closed during ${token}`));
    pending.clear();
    notify();
  });

  const command = (cmd: string, params = '', timeoutMs = 5000): Promise<string> => {
    if (exited) return Promise.reject(failure(`cannot send ${cmd}: baresip has exited`));
    const token = `${cmd}-${++tokenSeq}`;
    const body = Buffer.from(JSON.stringify({ command: cmd, params, token }), 'utf8');
    addLog(`(command ${cmd} ${params})`);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(token);
        reject(failure(`no response to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(token, {
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      socket.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
    });
  };

  const waitFor = (
    match: EventMatch,
    o: { timeoutMs?: number; since?: number } = {},
  ): Promise<BaresipEvent> => {
    const timeoutMs = o.timeoutMs ?? 10_000;
    const pred = typeof match === 'string' ? (e: BaresipEvent) => e.type === match : match;
    const what = typeof match === 'string' ? `'${match}'` : 'a matching event';
    let from = o.since ?? 0;
    return new Promise<BaresipEvent>((resolve, reject) => {
      const check = () => {
        for (; from < events.length; from++) {
          const e = events[from] as BaresipEvent;
          if (pred(e)) {
            done();
            resolve(e);
            return;
          }
        }
        if (exited) {
          done();
          reject(failure(`exited while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        const seen = events.map((e) => e.raw).join(', ');
        reject(failure(`no ${what} within ${timeoutMs} ms (events: ${seen || 'none'})`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  };

  let stopped = false;
  const stop = async (o: { keepDir?: boolean } = {}) => {
    if (stopped) return;
    stopped = true;
    if (!exited && !socket.destroyed) {
      // quit unregisters first; a registrar that is gone makes that slow: do not wait long.
      await command('quit', '', 2000).catch(() => undefined);
      await Promise.race([exitPromise, delay(3000)]);
    }
    if (!exited) {
      child.kill('SIGTERM');
      await Promise.race([exitPromise, delay(2000)]);
    }
    await kill();
    socket.destroy();
    if (!o.keepDir) await removeDir();
  };

  const recordings = async (timeoutMs = 10_000): Promise<Recording[]> => {
    if (!recDir) throw new Error(`baresip ${opts.name} was started without record: true`);
    const end = Date.now() + timeoutMs;
    for (;;) {
      const files = (await readdir(recDir)).filter((f) => f.endsWith('.wav')).sort();
      const list = files.map((f) => ({
        path: join(recDir, f),
        direction: f.endsWith('-enc.wav') ? ('sent' as const) : ('received' as const),
      }));
      // Finished: no call in progress and each header's RIFF size matches the file size.
      if (activeCalls.size === 0 || exited) {
        const complete = await Promise.all(list.map((r) => wavComplete(r.path)));
        if (complete.every(Boolean)) return list;
      }
      if (Date.now() > end) {
        throw failure(
          `recordings not finished within ${timeoutMs} ms (active calls: ${activeCalls.size}, files: ${files.join(', ')})`,
        );
      }
      await delay(100);
    }
  };

  const user = opts.account?.user ?? opts.name;
  const instance: Baresip = {
    name: opts.name,
    aor: opts.account ? `sip:${user}@${opts.account.domain}` : `sip:${user}@127.0.0.1`,
    sipPort,
    ctrlPort,
    dir,
    directUri: `sip:${user}@127.0.0.1:${sipPort}`,
    events,
    log,
    logTail,
    mark: () => events.length,
    waitFor,
    command,
    dial: async (uri) => {
      await command('dial', uri);
    },
    answer: async () => {
      await command('accept');
    },
    hangup: async () => {
      await command('hangup');
    },
    recordings,
    stop,
  };

  try {
    const line = accountLine(opts);
    const since = events.length;
    await command('uanew', line);
    if (opts.account && opts.awaitRegistration !== false) {
      const e = await waitFor((x) => x.type === 'registered' || x.type === 'register-failed', {
        timeoutMs: startTimeoutMs,
        since,
      });
      if (e.type === 'register-failed') throw failure(`registration failed: ${e.param ?? ''}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return instance;
}

async function connectCtrl(port: number, timeoutMs: number, gone: () => boolean): Promise<TcpSocket> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (gone()) throw new Error('baresip exited before its control port opened');
    try {
      return await new Promise<TcpSocket>((resolve, reject) => {
        const s = tcpConnect(port, '127.0.0.1');
        s.once('connect', () => {
          s.removeAllListeners('error');
          resolve(s);
        });
        s.once('error', (err) => {
          s.destroy();
          reject(err);
        });
      });
    } catch (err) {
      if (Date.now() > end) throw new Error(`ctrl_tcp port ${port} not open: ${(err as Error).message}`);
      await delay(50);
    }
  }
}

/** True when a WAV file's RIFF size covers the whole file (sndfile finalises it on close). */
async function wavComplete(path: string): Promise<boolean> {
  const size = (await stat(path)).size;
  if (size < 44) return false;
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    return head.readUInt32LE(4) + 8 === size;
  } finally {
    await fh.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts several instances and stops all of them if one fails to start. */
export async function startBaresips(list: BaresipOptions[]): Promise<Baresip[]> {
  const started: Baresip[] = [];
  try {
    for (const o of list) started.push(await startBaresip(o));
    return started;
  } catch (err) {
    await Promise.all(started.map((b) => b.stop()));
    throw err;
  }
}
