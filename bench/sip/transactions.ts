// Non-INVITE transactions per second over UDP loopback: one stack sends OPTIONS in a window
// of outstanding requests, another answers 200; both run in this process on one core.
import {
  createResponse,
  newCallId,
  newTag,
  SipRequest,
  SipStack,
  SipUri,
  UdpTransport,
} from '../../src/sip/index.ts';
import { percentile } from '../lib/figures.ts';

export async function nonInviteTransactions(durationMs: number, window: number) {
  const server = new SipStack(
    { transports: [new UdpTransport({ host: '127.0.0.1', port: 0 })] },
    { onRequest: (req, tx) => tx.respond(createResponse(req, 200)) },
  );
  const client = new SipStack(
    { transports: [new UdpTransport({ host: '127.0.0.1', port: 0 })] },
    { onRequest: () => {} },
  );
  await server.start();
  await client.start();
  const target = { protocol: 'udp' as const, address: '127.0.0.1', port: server.transport('udp')!.localPort };
  const uri = SipUri.parse(`sip:bench@127.0.0.1:${target.port}`);
  const latencies: number[] = [];
  let done = 0;
  let timeouts = 0;
  let running = true;
  const end = performance.now() + durationMs;
  await new Promise<void>((resolve) => {
    let inFlight = 0;
    const launch = () => {
      if (!running) return;
      const req = new SipRequest('OPTIONS', uri);
      req.append('From', `<sip:load@127.0.0.1>;tag=${newTag()}`);
      req.append('To', `<${uri}>`);
      req.append('Call-ID', newCallId());
      req.append('CSeq', '1 OPTIONS');
      const started = performance.now();
      inFlight++;
      const finish = (ok: boolean) => {
        inFlight--;
        if (ok) {
          done++;
          latencies.push(performance.now() - started);
        } else timeouts++;
        if (performance.now() >= end) running = false;
        if (running) launch();
        else if (inFlight === 0) resolve();
      };
      void client.request(req, {
        onResponse: (r) => r.status >= 200 && finish(true),
        onTimeout: () => finish(false),
      });
    };
    for (let i = 0; i < window; i++) launch();
  });
  const seconds = durationMs / 1000;
  await client.stop();
  await server.stop();
  return {
    perSecond: done / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    timeouts,
  };
}
