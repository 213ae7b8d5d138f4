// SIP core figures: parse + serialize of typical messages on one core, side by side with the
// npm `sip` package and SIP.js's parser in the same run, and non-INVITE transactions per
// second over UDP loopback. `npm run bench -- sip [quick]`; nothing is asserted.
import { parseMessage } from '../src/sip/index.ts';
import { opsPerSecond, printTable, type Row } from './lib/figures.ts';
import { INVITE, OK, REGISTER } from './sip/messages.ts';
import { npmSipRoundTrip, sipJsRoundTrip } from './sip/peers.ts';
import { nonInviteTransactions } from './sip/transactions.ts';

const quick = process.argv.includes('quick');
const MS = quick ? 300 : 1000;
/** Each parser is timed in this many short rounds taken in turn, and the median is kept, so a
 * busy moment on a shared machine hits all three alike instead of one of them. */
const ROUNDS = quick ? 3 : 5;

/**
 * Ours: bytes in, a message with typed Via/From/To/CSeq/Call-ID/Content-Length/Max-Forwards
 * read and checked (the other views are parsed on first use), bytes out: a serialization of
 * the parsed message, not a copy of the input.
 */
function switchboardRoundTrip(data: Buffer): Buffer {
  return parseMessage(data).toBuffer();
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Messages per second of each function: rounds in turn, the median of each. */
function interleaved(fns: (() => void)[]): number[] {
  const rates: number[][] = fns.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, fn] of fns.entries()) rates[i]?.push(opsPerSecond(fn, MS / ROUNDS, r === 0 ? 200 : 20));
  }
  return rates.map(median);
}

export default async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const [name, data] of [
    ['INVITE (SDP)', INVITE],
    ['200 OK (SDP)', OK],
    ['REGISTER (Digest)', REGISTER],
  ] as const) {
    const [ours = 0, npm = 0, sipjs = 0] = interleaved([
      () => switchboardRoundTrip(data),
      () => npmSipRoundTrip(data),
      () => sipJsRoundTrip(data),
    ]);
    rows.push({
      message: name,
      bytes: data.length,
      'switchboard/s': Math.round(ours),
      'npm sip/s': Math.round(npm),
      'SIP.js/s': Math.round(sipjs),
      'ratio vs faster': ours / Math.max(npm, sipjs),
    });
  }
  printTable('parse + serialize, one core (messages per second)', rows);

  const tx = await nonInviteTransactions(quick ? 1000 : 3000, 64);
  printTable('non-INVITE transactions over UDP loopback (client and server stacks in one process)', [
    {
      'transactions/s': Math.round(tx.perSecond),
      'p50 ms': tx.p50,
      'p99 ms': tx.p99,
      timeouts: tx.timeouts,
    },
  ]);
}
