// Flow tests: a scenario saved with what it must lead to. Checked after every change of
// the flow, so a behaviour change shows up as a failing test with a plain reason.
import { z } from 'zod';
import { ringTargetSchema } from './configs.ts';
import type { RingTarget } from './effects.ts';
import type { EndReason, FlowRunResult } from './interpreter.ts';
import { idSchema } from './model.ts';
import type { SimulatedEffect } from './simulator.ts';

const END_REASONS = [
  'hangup',
  'answered',
  'caller-gone',
  'no-cable',
  'step-limit',
  'error',
] as const satisfies readonly EndReason[];

export const flowTestExpectationSchema = z
  .strictObject({
    endReason: z.enum(END_REASONS).optional(),
    /** The node the flow ended at (for an answered call: the node that was answered). */
    endsAt: idSchema.optional(),
    /** Nodes visited in this order, others allowed in between. */
    visits: z.array(idSchema).max(500).optional(),
    /** Nodes the call must not reach. */
    avoids: z.array(idSchema).max(500).optional(),
    /** Targets rung in this order, others allowed in between. */
    rings: z.array(ringTargetSchema).max(50).optional(),
    /** The caller's number and name at the end (after rewrite and lookup). */
    callerNumber: z.string().max(64).optional(),
    callerName: z.string().max(100).nullable().optional(),
  })
  .refine((e) => Object.values(e).some((v) => v !== undefined), { error: 'expect at least one thing' });
export type FlowTestExpectation = z.infer<typeof flowTestExpectationSchema>;

/** How many items of `want` appear in `have` in order. */
function matchedInOrder(have: readonly string[], want: readonly string[]): number {
  let i = 0;
  for (const h of have) if (i < want.length && h === want[i]) i++;
  return i;
}

const targetKey = (t: RingTarget) => `${t.kind}:${t.id}`;

export function checkExpectation(
  result: FlowRunResult & { effects?: SimulatedEffect[] },
  expected: FlowTestExpectation,
): { passed: boolean; failures: string[] } {
  const failures: string[] = [];
  const { end } = result;
  const visited = result.steps.map((s) => s.nodeId);
  if (expected.endReason !== undefined && end.reason !== expected.endReason) {
    failures.push(
      `expected the call to end '${expected.endReason}', it ended '${end.reason}': ${end.detail}`,
    );
  }
  if (expected.endsAt !== undefined && end.nodeId !== expected.endsAt) {
    failures.push(
      `expected the call to end at '${expected.endsAt}', it ended at '${end.nodeId ?? 'no node'}'`,
    );
  }
  if (expected.visits) {
    const n = matchedInOrder(visited, expected.visits);
    if (n < expected.visits.length) {
      const after = n > 0 ? ` after '${expected.visits[n - 1]}'` : '';
      failures.push(
        `expected a visit to '${expected.visits[n]}'${after}; visited ${visited.join(' → ') || 'nothing'}`,
      );
    }
  }
  for (const id of expected.avoids ?? []) {
    if (visited.includes(id)) failures.push(`expected the call never to reach '${id}', it did`);
  }
  if (expected.rings) {
    if (!result.effects) {
      failures.push('ring expectations need a simulation result');
    } else {
      const rung = result.effects.flatMap((e) => (e.kind === 'ring' ? e.targets.map(targetKey) : []));
      const want = expected.rings.map(targetKey);
      const n = matchedInOrder(rung, want);
      if (n < want.length) failures.push(`expected ${want[n]} to ring; rang ${rung.join(', ') || 'nobody'}`);
    }
  }
  if (expected.callerNumber !== undefined && result.caller.number !== expected.callerNumber) {
    failures.push(`expected the caller number ${expected.callerNumber}, it is ${result.caller.number}`);
  }
  if (expected.callerName !== undefined && result.caller.name !== expected.callerName) {
    failures.push(
      `expected the caller name ${JSON.stringify(expected.callerName)}, it is ${JSON.stringify(result.caller.name)}`,
    );
  }
  return { passed: failures.length === 0, failures };
}
