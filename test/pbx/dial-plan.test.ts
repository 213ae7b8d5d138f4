import { describe, expect, it } from 'vitest';
import {
  applyDialingRules,
  callingCodeOf,
  type DialingRule,
  DialPlanError,
  isInternalNumber,
  matchesPrefix,
  normalizePrefix,
  parseDialString,
  RateTable,
  toE164,
} from '../../src/pbx/dial-plan.ts';

function dialPlanError(fn: () => unknown): DialPlanError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DialPlanError);
    return e as DialPlanError;
  }
  throw new Error('expected a DialPlanError');
}

describe('parseDialString', () => {
  it.each([
    ['3712999999', '3712999999', false, null],
    ['3712999999h', '3712999999', true, null],
    ['3712999999c2', '3712999999', false, 2],
    ['3712999999hc2', '3712999999', true, 2],
    ['3712999999c2h', '3712999999', true, 2],
    ['3712999999C1H', '3712999999', true, 1],
    ['3712999999c12', '3712999999', false, 12],
    ['+44 20 7946-0958', '+442079460958', false, null],
    ['(020) 7946.0958 h', '02079460958', true, null],
    ['+1 (212) 555-0100c3', '+12125550100', false, 3],
    ['101', '101', false, null],
  ])('%j → %s anonymous=%s callerId=%s', (dialed, digits, anonymous, callerIdIndex) => {
    expect(parseDialString(dialed)).toEqual({ digits, anonymous, callerIdIndex });
  });

  it.each([
    '',
    '   ',
    'h',
    'c2',
    '+',
    '++44123',
    '44+123',
    '3712999999x',
    '3712999999c',
    '3712999999c0',
    '3712999999c02',
    '3712999999c1000',
    '3712999999hh',
    '3712999999c1c2',
    '3712999999h2',
    '371h2999999',
    '*97',
    '123#',
    'sip:123@example.com',
    '1'.repeat(21),
  ])('rejects %j with 484', (dialed) => {
    const e = dialPlanError(() => parseDialString(dialed));
    expect(e.status).toBe(484);
    expect(e.name).toBe('DialPlanError');
  });
});

describe('applyDialingRules', () => {
  const rules: DialingRule[] = [
    { startsWith: '01', replaceWith: '1', minLength: 10 },
    { startsWith: '0', replaceWith: '+371', minLength: 8 },
    { startsWith: '00', replaceWith: 'never', minLength: 1 },
  ];
  it.each([
    // The spec's example says '14448746', which no prefix replacement yields (a '7' is lost);
    // replacing the prefix as the rule says gives this.
    ['0174448746', '174448746'],
    ['017444874', '+37117444874'], // too short for rule 1; rule 2 applies
    ['0012345678', '+371012345678'], // only the first matching rule, not the later '00'
    ['0123', '0123'], // too short for any rule
    ['5551234', '5551234'], // no prefix matches
    ['+0174448746', '+0174448746'], // the '+' is part of the match
  ])('%s → %s', (number, expected) => {
    expect(applyDialingRules(number, rules)).toBe(expected);
  });

  it('counts digits only for minLength', () => {
    expect(applyDialingRules('+4412', [{ startsWith: '+44', replaceWith: '0', minLength: 4 }])).toBe('012');
    expect(applyDialingRules('+4412', [{ startsWith: '+44', replaceWith: '0', minLength: 5 }])).toBe('+4412');
  });

  it('no rules: unchanged', () => {
    expect(applyDialingRules('0174448746', [])).toBe('0174448746');
  });
});

describe('toE164', () => {
  const gb = callingCodeOf('GB')!;
  const us = callingCodeOf('us')!;
  const it_ = callingCodeOf('IT')!;
  const au = callingCodeOf('AU')!;
  const hu = callingCodeOf('HU')!;
  const lv = callingCodeOf('LV')!;
  it.each([
    ['GB +', '+442079460958', gb, '+442079460958'],
    ['GB international', '0012125550100', gb, '+12125550100'],
    ['GB national', '02079460958', gb, '+442079460958'],
    ['GB bare', '2079460958', gb, '+442079460958'],
    ['US international', '011442079460958', us, '+442079460958'],
    ['US trunk 1', '12125550100', us, '+12125550100'],
    ['US 10-digit', '2125550100', us, '+12125550100'],
    ['IT keeps the 0', '0612345678', it_, '+390612345678'],
    ['IT international', '00442079460958', it_, '+442079460958'],
    ['AU 0011', '0011442079460958', au, '+442079460958'],
    ['AU national', '0291234567', au, '+61291234567'],
    ['HU 06', '0612345678', hu, '+3612345678'],
    ['LV no trunk', '29999999', lv, '+37129999999'],
  ])('%s: %s', (_name, number, plan, expected) => {
    expect(toE164(number, plan)).toBe(expected);
  });

  it.each([
    ['too short', '+1234567', gb],
    ['too long', '+1234567890123456', gb],
    ['country code 0', '+0123456789', gb],
    ['internal extension', '101', gb],
    ['only the international prefix', '00', gb],
    ['separators', '020 7946 0958', gb],
    ['letters', '02079460958h', gb],
    ['empty', '', gb],
    ['plus in the middle', '0+4420', gb],
  ])('rejects %s with 484', (_name, number, plan) => {
    expect(dialPlanError(() => toE164(number, plan)).status).toBe(484);
  });

  it('a misconfigured plan is 500, not the caller’s fault', () => {
    const bad = { countryCallingCode: '+44', trunkPrefix: '0', internationalPrefix: '00' };
    expect(dialPlanError(() => toE164('02079460958', bad)).status).toBe(500);
    const noIntl = { countryCallingCode: '44', trunkPrefix: '0', internationalPrefix: '' };
    expect(dialPlanError(() => toE164('02079460958', noIntl)).status).toBe(500);
  });
});

describe('callingCodeOf', () => {
  it.each([
    ['US', '1', '1', '011'],
    ['CA', '1', '1', '011'],
    ['GB', '44', '0', '00'],
    ['DE', '49', '0', '00'],
    ['FR', '33', '0', '00'],
    ['IT', '39', '', '00'],
    ['ES', '34', '', '00'],
    ['NL', '31', '0', '00'],
    ['BE', '32', '0', '00'],
    ['CH', '41', '0', '00'],
    ['AT', '43', '0', '00'],
    ['AU', '61', '0', '0011'],
    ['JP', '81', '0', '010'],
    ['IE', '353', '0', '00'],
    ['PL', '48', '', '00'],
    ['SE', '46', '0', '00'],
    ['NO', '47', '', '00'],
    ['DK', '45', '', '00'],
    ['FI', '358', '0', '00'],
    ['PT', '351', '', '00'],
    ['RO', '40', '0', '00'],
    ['LV', '371', '', '00'],
    ['LT', '370', '0', '00'],
    ['EE', '372', '', '00'],
    ['CZ', '420', '', '00'],
    ['HU', '36', '06', '00'],
    ['GR', '30', '', '00'],
    ['IN', '91', '0', '00'],
    ['BR', '55', '0', '00'],
    ['MX', '52', '', '00'],
    ['ZA', '27', '0', '00'],
    ['NZ', '64', '0', '00'],
    ['SG', '65', '', '001'],
    ['IL', '972', '0', '00'],
    ['TR', '90', '0', '00'],
  ])('%s', (iso, countryCallingCode, trunkPrefix, internationalPrefix) => {
    expect(callingCodeOf(iso)).toEqual({ countryCallingCode, trunkPrefix, internationalPrefix });
    expect(callingCodeOf(iso.toLowerCase())).toEqual(callingCodeOf(iso));
  });

  it.each(['XX', '', 'GBR', 'toString', '__proto__'])('unknown %j → undefined', (iso) => {
    expect(callingCodeOf(iso)).toBeUndefined();
  });
});

describe('isInternalNumber', () => {
  it.each([
    ['100', true],
    ['123456', true],
    ['12', false],
    ['1234567', false],
    ['+123', false],
    ['12a', false],
    [' 123', false],
    ['', false],
  ])('%j → %s', (s, expected) => {
    expect(isInternalNumber(s)).toBe(expected);
  });
});

describe('matchesPrefix / normalizePrefix', () => {
  it.each([
    ['+442079460958', ['+44'], true],
    ['+442079460958', ['44'], true],
    ['+19005550100', ['+1900'], true],
    ['+19005550100', ['1 900'], true],
    ['+12125550100', ['+1900'], false],
    ['+4412', ['+441234'], false],
    ['+371291', ['+44', '+37'], true],
    ['+442079460958', [], false],
    ['+442079460958', ['', '+', 'abc'], false], // junk never matches everything
  ])('%s in %j → %s', (e164, prefixes, expected) => {
    expect(matchesPrefix(e164, prefixes)).toBe(expected);
  });

  it.each([
    ['+44', '+44'],
    ['44', '+44'],
    [' +1-900 ', '+1900'],
    ['', null],
    ['+', null],
    ['4a', null],
    ['1234567890123456', null],
  ])('normalizePrefix(%j) → %j', (p, expected) => {
    expect(normalizePrefix(p)).toBe(expected);
  });
});

describe('RateTable', () => {
  const table = new RateTable([
    { prefix: '+44', perMinuteMicros: 20_000 },
    { prefix: '447', perMinuteMicros: 100_000 },
    { prefix: '+4479', perMinuteMicros: 150_000 },
    { prefix: '+1', perMinuteMicros: 600_000 },
    { prefix: '+1900', perMinuteMicros: 0 },
  ]);

  it.each([
    ['+442079460958', '+44', 20_000],
    ['+447700900123', '+447', 100_000],
    ['+447912345678', '+4479', 150_000],
    ['+12125550100', '+1', 600_000],
    ['+19005550100', '+1900', 0],
  ])('rateFor(%s) → %s', (e164, prefix, perMinuteMicros) => {
    expect(table.rateFor(e164)).toEqual({ prefix, perMinuteMicros });
  });

  it('no matching prefix → undefined', () => {
    expect(table.rateFor('+33123456789')).toBeUndefined();
    expect(table.costMicros('+33123456789', 60)).toBeUndefined();
    expect(new RateTable([]).rateFor('+442079460958')).toBeUndefined();
  });

  it.each([
    [0, 0],
    [0.2, 10_000], // a started second is a billed second
    [1, 10_000],
    [60, 600_000],
    [61.2, 620_000],
    [3600, 36_000_000],
  ])('+1 at 600000/min, %s s → %s', (seconds, micros) => {
    expect(table.costMicros('+12125550100', seconds)).toBe(micros);
  });

  it('rounds a fraction of a micro up', () => {
    // 20000/60 = 333.33… per second
    expect(table.costMicros('+442079460958', 1)).toBe(334);
    expect(table.costMicros('+442079460958', 3)).toBe(1000);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects %s seconds', (s) => {
    expect(() => table.costMicros('+12125550100', s)).toThrow(RangeError);
  });

  it.each([
    [[{ prefix: 'x', perMinuteMicros: 1 }], /bad rate prefix/],
    [[{ prefix: '+44', perMinuteMicros: -1 }], /bad rate/],
    [[{ prefix: '+44', perMinuteMicros: 1.5 }], /bad rate/],
    [
      [
        { prefix: '+44', perMinuteMicros: 1 },
        { prefix: '44', perMinuteMicros: 2 },
      ],
      /given twice/,
    ],
  ])('rejects bad tables %#', (rates, message) => {
    const e = dialPlanError(() => new RateTable(rates));
    expect(e.status).toBe(500);
    expect(e.message).toMatch(message);
  });
});
