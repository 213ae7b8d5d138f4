// In-call codes as a party presses them one key at a time (spec 002 "*2 and the internal
// number"), and what a REFER asks for (RFC 3515 Refer-To, RFC 3891 Replaces, RFC 4488).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type InCallCode, InCallCodes } from '../../src/pbx/calls/in-call-codes.ts';
import { parseRefer } from '../../src/pbx/calls/refer.ts';
import { DEFAULT_FEATURE_CODES, featureCodes } from '../../src/pbx/feature-codes.ts';
import { parseMessage, type SipRequest } from '../../src/sip/index.ts';

function presses(keys: string, codes = featureCodes({})) {
  const got: InCallCode[] = [];
  const watcher = new InCallCodes(codes, (c) => got.push(c), 3000);
  for (const k of keys) watcher.key(k);
  return { got, watcher };
}

describe('in-call codes', () => {
  afterEach(() => vi.useRealTimers());

  it('*2 then an extension and # is a transfer to that extension', () => {
    expect(presses('*2201#').got).toEqual([{ feature: 'transfer', argument: '201' }]);
  });

  it('*3 then a number is a conference add; *1 records at once, with nothing after it', () => {
    expect(presses('*3+').got).toEqual([]);
    expect(presses('*3202#').got).toEqual([{ feature: 'conference', argument: '202' }]);
    expect(presses('*1').got).toEqual([{ feature: 'recordOnDemand', argument: '' }]);
  });

  it('a number ends after a pause without #', () => {
    vi.useFakeTimers();
    const { got } = presses('*2203');
    expect(got).toEqual([]);
    vi.advanceTimersByTime(3000);
    expect(got).toEqual([{ feature: 'transfer', argument: '203' }]);
  });

  it('keys before a code do not hide it, and a half-typed code is dropped after a pause', () => {
    expect(presses('45*2201#').got).toEqual([{ feature: 'transfer', argument: '201' }]);
    expect(presses('**2201#').got).toEqual([{ feature: 'transfer', argument: '201' }]);
    vi.useFakeTimers();
    const { got, watcher } = presses('*');
    vi.advanceTimersByTime(3000);
    for (const k of '2#') watcher.key(k);
    expect(got).toEqual([]);
  });

  it('a code with no number does nothing; a * inside the number drops it and may start another', () => {
    expect(presses('*2#').got).toEqual([]);
    expect(presses('*22*1').got).toEqual([{ feature: 'recordOnDemand', argument: '' }]);
  });

  it('follows the tenant’s own codes', () => {
    const codes = featureCodes({ transfer: '##9' });
    expect(presses('*2201#', codes).got).toEqual([]);
    expect(presses('##9201#', codes).got).toEqual([{ feature: 'transfer', argument: '201' }]);
    expect(DEFAULT_FEATURE_CODES.transfer).toBe('*2');
  });
});

function refer(...headers: string[]): SipRequest {
  const text = [
    'REFER sip:switchboard@127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1',
    'From: <sip:101@acme.test>;tag=a',
    'To: <sip:100@acme.test>;tag=b',
    'Call-ID: c1@127.0.0.1',
    'CSeq: 3 REFER',
    'Max-Forwards: 70',
    ...headers,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text)) as SipRequest;
}

describe('REFER', () => {
  it('names an extension or a number to connect the other party to', () => {
    expect(parseRefer(refer('Refer-To: <sip:102@acme.test>'))).toEqual({
      target: '102',
      replaces: undefined,
      noSubscription: false,
    });
    expect(parseRefer(refer('Refer-To: <tel:+15551234567>'))).toMatchObject({ target: '+15551234567' });
  });

  it('with Replaces names the dialog of the referrer’s other call (RFC 3891)', () => {
    const r = parseRefer(
      refer('Refer-To: <sip:102@acme.test?Replaces=c2%40host%3Bto-tag%3Dours%3Bfrom-tag%3Dtheirs>'),
    );
    expect(r).toMatchObject({ replaces: { callId: 'c2@host', toTag: 'ours', fromTag: 'theirs' } });
  });

  it('honours Refer-Sub: false (RFC 4488)', () => {
    expect(parseRefer(refer('Refer-To: <sip:102@acme.test>', 'Refer-Sub: false'))).toMatchObject({
      noSubscription: true,
    });
  });

  it('refuses what it cannot act on with a status that says why', () => {
    expect(parseRefer(refer())).toEqual({ status: 400, reason: 'Exactly one Refer-To required' });
    expect(parseRefer(refer('Refer-To: <sip:alice@acme.test>'))).toEqual({
      status: 400,
      reason: 'Refer-To names no number',
    });
    expect(parseRefer(refer('Refer-To: <sip:102@a?Replaces=c2%3Bto-tag%3Dx>'))).toEqual({
      status: 400,
      reason: 'Bad Replaces in Refer-To',
    });
    expect(parseRefer(refer('Refer-To: <mailto:a@b>'))).toMatchObject({ status: 416 });
  });
});
