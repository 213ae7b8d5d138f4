// A tenant's feature codes: defaults with its overrides, what a dialled string matches, and
// the checks that keep every code reachable.
import { describe, expect, it } from 'vitest';
import {
  checkFeatureCodes,
  DEFAULT_FEATURE_CODES,
  FeatureCodeError,
  type FeatureCodes,
  featureCodes,
  matchDialled,
} from '../../src/pbx/feature-codes.ts';

const codes = (o: Partial<FeatureCodes> = {}): FeatureCodes => ({ ...DEFAULT_FEATURE_CODES, ...o });

/** The field and message of the check's refusal, or undefined when the codes pass. */
function refusal(c: FeatureCodes): { field: string; message: string } | undefined {
  try {
    checkFeatureCodes(c);
    return undefined;
  } catch (e) {
    if (!(e instanceof FeatureCodeError)) throw e;
    return { field: e.field, message: e.message };
  }
}

describe('feature codes of a tenant', () => {
  it('are the defaults with the overrides over them; unknown names and non-strings are ignored', () => {
    const c = featureCodes({ dndOn: '*70', bogus: '*99', pickup: 5 as unknown as string });
    expect(c.dndOn).toBe('*70');
    expect(c.pickup).toBe('*8');
    expect(c).not.toHaveProperty('bogus');
    expect(featureCodes(null)).toEqual(DEFAULT_FEATURE_CODES);
  });

  it('the defaults pass their own checks', () => {
    expect(refusal(codes())).toBeUndefined();
  });

  it('matches dialled codes exactly, and codes taking an argument with what follows', () => {
    const c = codes();
    expect(matchDialled(c, '*78')).toEqual({ feature: 'dndOn', argument: '' });
    expect(matchDialled(c, '*97')).toEqual({ feature: 'voicemail', argument: '' });
    expect(matchDialled(c, '*7220')).toEqual({ feature: 'forwardOn', argument: '20' });
    expect(matchDialled(c, '*72+37120000000')).toEqual({ feature: 'forwardOn', argument: '+37120000000' });
    expect(matchDialled(c, '4#201')).toEqual({ feature: 'listen', argument: '201' });
    expect(matchDialled(c, '5#201')).toEqual({ feature: 'whisper', argument: '201' });
    expect(matchDialled(c, '6#201')).toEqual({ feature: 'barge', argument: '201' });
    expect(matchDialled(c, '*8')).toEqual({ feature: 'pickup', argument: '' });
    expect(matchDialled(c, '*8201')).toEqual({ feature: 'pickup', argument: '201' });
    expect(matchDialled(c, '*473')).toEqual({ feature: 'agentPause', argument: '3' });
  });

  it('does not match numbers, unknown codes, codes without arguments followed by more, or in-call codes', () => {
    const c = codes();
    expect(matchDialled(c, '201')).toBeUndefined();
    expect(matchDialled(c, '+37120000000')).toBeUndefined();
    expect(matchDialled(c, '*55')).toBeUndefined();
    expect(matchDialled(c, '*781')).toBeUndefined();
    // *2 and *3 are pressed during a call, never dialled.
    expect(matchDialled(c, '*2201')).toBeUndefined();
    expect(matchDialled(c, '*1')).toBeUndefined();
  });

  it('follows the tenant’s overrides, and the old code no longer matches', () => {
    const c = featureCodes({ listen: '*41', dndOn: '*70' });
    expect(matchDialled(c, '*41201')).toEqual({ feature: 'listen', argument: '201' });
    expect(matchDialled(c, '4#201')).toBeUndefined();
    expect(matchDialled(c, '*70')).toEqual({ feature: 'dndOn', argument: '' });
    expect(matchDialled(c, '*78')).toBeUndefined();
  });

  it('refuses malformed codes, naming the feature', () => {
    for (const bad of ['78', '*', '*1234567', '*7a', '', '**7 ']) {
      const r = refusal(codes({ dndOn: bad }));
      expect(r?.field, bad).toBe('dndOn');
    }
    expect(refusal(codes({ dndOn: '#78' }))).toBeUndefined();
  });

  it('refuses two features with the same code, naming the later one', () => {
    expect(refusal(codes({ dndOff: '*78' }))).toEqual({
      field: 'dndOff',
      message: 'dndOn and dndOff have the same code *78',
    });
  });

  it('refuses a dialled code taking an argument that is the start of another code', () => {
    // *8 + extension would swallow *80.
    const r = refusal(codes({ dndOn: '*80' }));
    expect(r?.field).toBe('dndOn');
    expect(r?.message).toContain('pickup (*8) is the start of dndOn (*80)');
  });

  it('allows a dialled code without argument to be the start of another (the phone sends it whole)', () => {
    expect(refusal(codes({ dndOn: '*7', dndOff: '*79' }))).toBeUndefined();
    const c = codes({ dndOn: '*7', dndOff: '*79' });
    expect(matchDialled(c, '*7')?.feature).toBe('dndOn');
    expect(matchDialled(c, '*79')?.feature).toBe('dndOff');
  });

  it('refuses any in-call code that is the start of another (keys arrive one by one)', () => {
    const r = refusal(codes({ recordOnDemand: '*2' }));
    expect(r?.field).toBe('recordOnDemand');
    const p = refusal(codes({ recordOnDemand: '*31' }));
    expect(p?.message).toContain('conference (*3) is the start of recordOnDemand (*31)');
  });

  it('lets a dialled code equal an in-call one: they are never compared', () => {
    expect(refusal(codes({ dndOn: '*1' }))).toBeUndefined();
  });
});
