// Line recording policy: which setting of which line records an answered call, by the call's
// direction (spec 001/003: inbound/outbound × internal/external).
import { describe, expect, it } from 'vitest';
import { linePolicy } from '../../src/pbx/recording/index.ts';
import { type LineRecording, NO_RECORDING } from '../../src/store/schema.ts';

const only = (key: keyof LineRecording): LineRecording => ({ ...NO_RECORDING, [key]: true });
const ALL: (keyof LineRecording)[] = [
  'inboundInternal',
  'inboundExternal',
  'outboundInternal',
  'outboundExternal',
  'onDemand',
];

describe('linePolicy', () => {
  it('an internal call: the caller’s outbound-internal or the callee’s inbound-internal', () => {
    for (const key of ALL) {
      expect(
        linePolicy({ direction: 'internal', callerLine: only(key), calleeLine: NO_RECORDING }),
        key,
      ).toBe(key === 'outboundInternal' ? 'caller' : undefined);
      expect(
        linePolicy({ direction: 'internal', callerLine: NO_RECORDING, calleeLine: only(key) }),
        key,
      ).toBe(key === 'inboundInternal' ? 'callee' : undefined);
    }
  });

  it('an outbound call to the phone network: the caller’s outbound-external', () => {
    for (const key of ALL) {
      expect(linePolicy({ direction: 'outbound', callerLine: only(key), calleeLine: undefined }), key).toBe(
        key === 'outboundExternal' ? 'caller' : undefined,
      );
    }
  });

  it('an inbound call from the phone network: the callee’s inbound-external', () => {
    for (const key of ALL) {
      expect(linePolicy({ direction: 'inbound', callerLine: undefined, calleeLine: only(key) }), key).toBe(
        key === 'inboundExternal' ? 'callee' : undefined,
      );
    }
  });

  it('record on demand alone records nothing by itself; no line, no recording', () => {
    const onDemand = only('onDemand');
    for (const direction of ['internal', 'inbound', 'outbound'] as const) {
      expect(linePolicy({ direction, callerLine: onDemand, calleeLine: onDemand })).toBeUndefined();
      expect(linePolicy({ direction, callerLine: undefined, calleeLine: undefined })).toBeUndefined();
    }
  });

  it('either end asking is enough', () => {
    const both = { ...NO_RECORDING, inboundInternal: true, outboundInternal: true };
    expect(linePolicy({ direction: 'internal', callerLine: both, calleeLine: both })).toBe('caller');
    expect(linePolicy({ direction: 'internal', callerLine: NO_RECORDING, calleeLine: both })).toBe('callee');
  });
});
