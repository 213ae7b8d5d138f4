// Media worker entry point: one per core, started by MediaEngine. Control arrives on the
// parent port; audio stays in this thread.
import { parentPort } from 'node:worker_threads';
import { MediaWorker } from './engine/media-worker.ts';
import type { FromWorker, ToWorker } from './engine/protocol.ts';

const port = parentPort;
if (!port) throw new Error('media worker must run in a worker thread');

const post = (m: FromWorker) => port.postMessage(m);
const worker = new MediaWorker((event) => post({ kind: 'event', event }));

port.on('message', (msg: ToWorker | 'shutdown') => {
  if (msg === 'shutdown') {
    void worker.dispose().then(() => port.close());
    return;
  }
  worker.handle(msg.request).then(
    (value) => post({ kind: 'reply', seq: msg.seq, ok: true, value }),
    (e: unknown) => {
      const code = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : 'INTERNAL';
      post({
        kind: 'reply',
        seq: msg.seq,
        ok: false,
        code,
        message: e instanceof Error ? e.message : String(e),
      });
    },
  );
});
