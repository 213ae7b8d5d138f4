// Self-test of the baresip harness (test/helpers/baresip.ts) and the tone analysis
// (test/helpers/tone.ts): two real baresip instances call each other directly on 127.0.0.1,
// and one registers at a minimal digest registrar written here. No Switchboard involved.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/media/audio/wav.ts';
import { digestResponse, ha1 } from '../../src/sip/auth/digest.ts';
import { BARESIP_BIN, type Baresip, type BaresipEvent, startBaresip } from '../helpers/baresip.ts';
import { analyseWav, assertToneInWav, toneInWav } from '../helpers/tone.ts';
import { response, type SipMessage, SipSocket } from '../media/sip-peer.ts';

const running: Baresip[] = [];
async function start(...args: Parameters<typeof startBaresip>): Promise<Baresip> {
  const b = await startBaresip(...args);
  running.push(b);
  return b;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const callEvent = (type: BaresipEvent['type'], direction: 'incoming' | 'outgoing') => (e: BaresipEvent) =>
  e.type === type && e.direction === direction;

describe.skipIf(!existsSync(BARESIP_BIN))('baresip harness', () => {
  it('two instances call each other peer to peer and each records the other side’s sine', async () => {
    const a = await start({ name: 'a', tone: { hz: 1000 }, record: true });
    const b = await start({ name: 'b', tone: { hz: 600 }, record: true, autoAnswer: true });

    await a.dial(b.directUri);
    await a.waitFor(callEvent('established', 'outgoing'));
    const incoming = await b.waitFor('incoming');
    expect(incoming.peerUri).toBe('sip:a@127.0.0.1');
    await b.waitFor(callEvent('established', 'incoming'));
    await a.waitFor('ringing');
    await delay(2500); // let audio flow; nothing below depends on how long exactly

    await a.hangup();
    const closedA = await a.waitFor('closed');
    const closedB = await b.waitFor('closed');
    expect(closedA.callId).toBe(closedB.callId);

    const recA = await a.recordings();
    const recB = await b.recordings();
    expect(recA.map((r) => r.direction).sort()).toEqual(['received', 'sent']);
    expect(recB.map((r) => r.direction).sort()).toEqual(['received', 'sent']);
    const file = (recs: typeof recA, d: 'sent' | 'received') => recs.find((r) => r.direction === d)!.path;

    // What each side received is the other side's sine, through PCMU both ways.
    const bHeard = await assertToneInWav(file(recB, 'received'), 1000);
    const aHeard = await assertToneInWav(file(recA, 'received'), 600);
    expect(bHeard.share).toBeGreaterThan(0.9);
    expect(aHeard.share).toBeGreaterThan(0.9);
    expect((await toneInWav(file(recB, 'received'), 600)).share).toBeLessThan(0.01);
    // And the "sent" files are each side's own source.
    expect((await analyseWav(file(recA, 'sent'))).dominantHz).toBeCloseTo(1000, -1);
    expect((await analyseWav(file(recB, 'sent'))).dominantHz).toBeCloseTo(600, -1);
    expect(bHeard.sampleRate).toBe(8000);
  });

  it('without auto-answer the callee reports the incoming call, answers it, and hangs up', async () => {
    const a = await start({ name: 'caller', tone: 'silence', record: true });
    const b = await start({ name: 'callee', tone: { hz: 440 }, record: true });

    await a.dial(b.directUri);
    await b.waitFor('incoming');
    await a.waitFor('ringing');
    await b.answer();
    await a.waitFor('established');
    await b.waitFor('established');
    await delay(1500);
    await b.hangup();
    const closed = await a.waitFor('closed');
    expect(closed.direction).toBe('outgoing');
    await b.waitFor('closed');
    expect(b.events.filter((e) => e.type === 'incoming')).toHaveLength(1);

    const heardByB = (await b.recordings()).find((r) => r.direction === 'received')!.path;
    expect((await analyseWav(heardByB)).rms).toBeLessThan(0.003); // the caller sent silence
    await assertToneInWav((await a.recordings()).find((r) => r.direction === 'received')!.path, 440);
  });

  it('plays a WAV file (any rate) and ends the call when the file ends', async () => {
    const rate = 16000;
    const pcm = Int16Array.from({ length: rate * 1.5 }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 800 * i) / rate)),
    );
    const a = await start({ name: 'player', tone: 'silence' });
    const wav = join(a.dir, 'tone-800.wav');
    await writeFile(wav, encodeWav(rate, 1, pcm));
    const p = await start({ name: 'wavplayer', wav });
    const b = await start({ name: 'listener', record: true, autoAnswer: true });
    await p.dial(b.directUri);
    const closed = await p.waitFor('closed');
    expect(closed.param).toBe('end of file');
    expect(p.events.some((e) => e.type === 'audio-error')).toBe(true);
    await b.waitFor('closed');
    const heard = (await b.recordings()).find((r) => r.direction === 'received')!.path;
    await assertToneInWav(heard, 800, { skipSeconds: 0.2 });
  });

  it('registers with digest auth at a registrar, and reports a wrong password as register-failed', async () => {
    const registrar = await SipSocket.open();
    const realm = 'acme.test';
    const registers: SipMessage[] = [];
    let stopped = false;
    const serve = (async () => {
      while (!stopped) {
        const req = await registrar.next(/^REGISTER /, 500).catch(() => undefined);
        if (!req) continue;
        registers.push(req);
        const auth = req.headers.get('authorization')?.[0];
        if (!auth) {
          const challenge = `WWW-Authenticate: Digest realm="${realm}", nonce="n${registers.length}", algorithm=MD5`;
          registrar.send(response(req, '401 Unauthorized', [challenge]), req.from.port);
          continue;
        }
        const p = Object.fromEntries(
          [...auth.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)].map((m) => [m[1], m[2] ?? m[3]]),
        );
        const expected = digestResponse({
          algorithm: 'MD5',
          ha1: ha1('MD5', String(p.username), realm, 'right-pass'),
          method: 'REGISTER',
          uri: String(p.uri),
          nonce: String(p.nonce),
          nc: p.nc,
          cnonce: p.cnonce,
          qop: p.qop,
        });
        const ok = p.response === expected && p.username === '201';
        const contact = req.headers.get('contact')?.[0] ?? '';
        registrar.send(
          response(req, ok ? '200 OK' : '403 Forbidden', ok ? [`Contact: ${contact}`] : []),
          req.from.port,
        );
      }
    })();
    try {
      const account = {
        user: '201',
        domain: realm,
        registrar: `127.0.0.1:${registrar.port}`,
        displayName: 'Ext 201',
      };
      const good = await start({ name: 'reg-ok', account: { ...account, password: 'right-pass' } });
      expect(good.events.some((e) => e.type === 'registered')).toBe(true);
      const first = registers[0]!;
      expect(first.startLine).toBe('REGISTER sip:acme.test SIP/2.0');
      expect(first.headers.get('to')?.[0]).toBe('<sip:201@acme.test>');
      expect(first.headers.get('route')?.[0]).toBe(`<sip:127.0.0.1:${registrar.port};transport=udp;lr>`);

      const bad = await start({
        name: 'reg-bad',
        account: { ...account, password: 'wrong-pass' },
        awaitRegistration: false,
      });
      const failed = await bad.waitFor('register-failed');
      expect(failed.param).toMatch(/403/);
      await expect(
        startBaresip({
          name: 'reg-bad2',
          account: { ...account, password: 'wrong-pass' },
          startTimeoutMs: 5000,
        }),
      ).rejects.toThrow(/registration failed: .*403/);
    } finally {
      // Stop the UAs while the registrar still answers their un-REGISTER.
      await Promise.all(running.splice(0).map((b) => b.stop()));
      stopped = true;
      await serve;
      await registrar.close();
    }
  });

  it('a wait that times out names what it waited for and shows the log', async () => {
    const a = await start({ name: 'lonely' });
    await expect(a.waitFor('established', { timeoutMs: 200 })).rejects.toThrow(
      /baresip lonely: no 'established' within 200 ms[\s\S]*last log lines[\s\S]*baresip is ready/,
    );
  });
});
