// Digest authentication (RFC 7616, RFC 8760) between our authenticator and our client, and
// against the RFC 7616 §3.9.1 example.
import { describe, expect, it } from 'vitest';
import {
  DigestAuthenticator,
  DigestClient,
  digestResponse,
  ha1,
  parseMessage,
  type SipRequest,
} from '../../src/sip/index.ts';

function register(cseq = 1): SipRequest {
  return parseMessage(
    Buffer.from(
      `REGISTER sip:switchboard.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKd${cseq}\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:alice@switchboard.test>;tag=a1\r\nTo: <sip:alice@switchboard.test>\r\n` +
        `Call-ID: digest-1\r\nCSeq: ${cseq} REGISTER\r\nContact: <sip:alice@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n`,
    ),
  ) as SipRequest;
}

function authenticator(now = () => Date.now(), algorithms?: ('SHA-256' | 'MD5')[]) {
  return new DigestAuthenticator({
    realm: 'switchboard.test',
    algorithms,
    now,
    nonceTtlMs: 60_000,
    lookup: (user) => (user === 'alice' ? { password: 'wonderland' } : undefined),
  });
}

/** Challenge, answer with the client, and verify; returns the verdict and the request sent. */
async function roundTrip(auth: DigestAuthenticator, user: string, password: string) {
  const first = register(1);
  const challenge = auth.challenge(first);
  const second = register(2);
  expect(new DigestClient({ username: user, password }).authorize(second, challenge)).toBe(true);
  return { result: await auth.verify(second), request: second, challenge };
}

describe('digest', () => {
  it('matches the RFC 7616 §3.9.1 example for MD5 and SHA-256', () => {
    const input = {
      method: 'GET',
      uri: '/dir/index.html',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
      qop: 'auth',
    };
    const md5 = ha1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    const sha = ha1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    expect(digestResponse({ ...input, algorithm: 'MD5', ha1: md5 })).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(digestResponse({ ...input, algorithm: 'SHA-256', ha1: sha })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('challenges with SHA-256 first, then MD5, qop=auth', () => {
    const r = authenticator().challenge(register());
    expect(r.status).toBe(401);
    expect(r.wwwAuthenticate.map((c) => [c.params.get('algorithm'), c.params.get('qop')])).toEqual([
      ['SHA-256', 'auth'],
      ['MD5', 'auth'],
    ]);
  });

  it('accepts the right password, answered with SHA-256', async () => {
    const { result, request } = await roundTrip(authenticator(), 'alice', 'wonderland');
    expect(result).toEqual({ ok: true, username: 'alice' });
    expect(request.authorization[0]?.params.get('algorithm')).toBe('SHA-256');
  });

  it('falls back to MD5 when that is all a server offers', async () => {
    const { result, request } = await roundTrip(authenticator(Date.now, ['MD5']), 'alice', 'wonderland');
    expect(result.ok).toBe(true);
    expect(request.authorization[0]?.params.get('algorithm')).toBe('MD5');
  });

  it('gives a wrong password and an unknown user the same kind of answer', async () => {
    const auth = authenticator();
    const wrong = await roundTrip(auth, 'alice', 'guess');
    const unknown = await roundTrip(auth, 'mallory', 'guess');
    expect(wrong.result.ok).toBe(false);
    expect(unknown.result.ok).toBe(false);
    if (wrong.result.ok || unknown.result.ok) return;
    const shape = (r: typeof wrong.result & { ok: false }) =>
      r.response.wwwAuthenticate.map((c) => [...c.params.keys()].join(',') + c.params.get('algorithm'));
    expect(shape(unknown.result)).toEqual(shape(wrong.result));
    expect(unknown.result.response.status).toBe(wrong.result.response.status);
    // And a fresh challenge for a known user looks like one for an unknown user.
    expect(unknown.challenge.wwwAuthenticate.length).toBe(wrong.challenge.wwwAuthenticate.length);
  });

  it('refuses a replayed nonce count', async () => {
    const auth = authenticator();
    const { result, request } = await roundTrip(auth, 'alice', 'wonderland');
    expect(result.ok).toBe(true);
    const replay = await auth.verify(request);
    expect(replay.ok).toBe(false);
  });

  it('answers a correct response to an expired nonce with stale=true', async () => {
    let now = 1_000_000;
    const auth = authenticator(() => now);
    const challenge = auth.challenge(register(1));
    const second = register(2);
    new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(second, challenge);
    now += 120_000;
    const result = await auth.verify(second);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.wwwAuthenticate[0]?.params.get('stale')).toBe('true');
  });

  it('takes an answer computed over the next hop (as sipp sends), unless strictUri is set', async () => {
    const answerOver = async (strictUri: boolean) => {
      const auth = new DigestAuthenticator({
        realm: 'switchboard.test',
        strictUri,
        lookup: () => ({ password: 'wonderland' }),
      });
      const challenge = auth.challenge(register(1));
      const second = register(2);
      // The client signs sip:127.0.0.1:5060 while the Request-URI is sip:switchboard.test.
      second.uri = (
        parseMessage(
          Buffer.from(
            'OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
          ),
        ) as SipRequest
      ).uri;
      new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(second, challenge);
      second.uri = register(2).uri;
      return (await auth.verify(second)).ok;
    };
    expect(await answerOver(false)).toBe(true);
    expect(await answerOver(true)).toBe(false);
  });

  it('bounds the nonce counts it keeps: a forgotten nonce is answered stale, never trusted', async () => {
    const auth = authenticator(Date.now, ['MD5']);
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const firstChallenge = auth.challenge(register(1));
    const first = register(2);
    client.authorize(first, firstChallenge);
    expect((await auth.verify(first)).ok).toBe(true);
    // 50,000 more nonces in use push the first one's count out of memory.
    for (let i = 0; i < 50_000; i++) {
      const r = register(3);
      client.authorize(r, auth.challenge(r));
      expect((await auth.verify(r)).ok).toBe(true);
    }
    // The first nonce again, with a higher count: its replay cannot be ruled out, so it is stale.
    const again = register(4);
    client.authorize(again, firstChallenge);
    const result = await auth.verify(again);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.response.wwwAuthenticate[0]?.params.get('stale')).toBe('true');
  });

  it('refuses a nonce it did not issue', async () => {
    const other = authenticator();
    const auth = authenticator();
    const second = register(2);
    new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(
      second,
      other.challenge(register(1)),
    );
    expect((await auth.verify(second)).ok).toBe(false);
  });

  it('answers credentials that break the grammar with 400, not an exception', async () => {
    const req = register(1);
    req.append('Authorization', 'Digest username="alice, realm=');
    const result = await authenticator().verify(req);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.response.status).toBe(400);
  });

  it('uses Proxy-Authorization for a 407', async () => {
    const auth = new DigestAuthenticator({
      realm: 'switchboard.test',
      proxy: true,
      lookup: () => ({ password: 'wonderland' }),
    });
    const challenge = auth.challenge(register(1));
    expect(challenge.status).toBe(407);
    const second = register(2);
    new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(second, challenge);
    expect(second.has('Proxy-Authorization')).toBe(true);
    expect((await auth.verify(second)).ok).toBe(true);
  });
});
