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

/** Ours: bytes in, a message with typed Via/From/To/CSeq/Call-ID/Contact/Route read and checked, bytes out. */
function switchboardRoundTrip(data: Buffer): Buffer {
  return parseMessage(data).toBuffer();
}

export default async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const [name, data] of [
    ['INVITE (SDP)', INVITE],
    ['200 OK (SDP)', OK],
    ['REGISTER (Digest)', REGISTER],
  ] as const) {
    const ours = opsPerSecond(() => switchboardRoundTrip(data), MS);
    const npm = opsPerSecond(() => npmSipRoundTrip(data), MS);
    const sipjs = opsPerSecond(() => sipJsRoundTrip(data), MS);
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
