/**
 * Entry of the writer thread (see writer-thread.ts): owns a StreamWriter and answers
 * each request message with `{ id, ok, value | error }`; `{ id: 0 }` reports the open.
 * Writes run one at a time in arrival order; a trim or dedupe expiry yields between its
 * chunks, so writes interleave with it. A `crash` message (a test hook) makes it die.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StreamWriter, type StreamWriterOptions } from './stream-writer.js';
import type { WriterReply, WriterRequest } from './writer-thread.js';

const port = parentPort!;
const reply = (m: WriterReply) => port.postMessage(m);
let writer: StreamWriter | undefined;
/** Test hook: exit once the next write has committed, before answering it. */
let exitAfterNextWrite = false;
try {
  writer = new StreamWriter(workerData as StreamWriterOptions);
  reply({ id: 0, ok: true, value: undefined });
} catch (err) {
  reply({ id: 0, ok: false, error: (err as Error).message });
}

port.on('message', async (m: WriterRequest) => {
  if (!writer) {
    reply({ id: m.id, ok: false, error: 'the stream writer could not open the database' });
    return;
  }
  try {
    switch (m.op) {
      case 'write': {
        const value = writer.write(m.req);
        if (exitAfterNextWrite) process.exit(1);
        reply({ id: m.id, ok: true, value });
        break;
      }
      case 'trim':
        reply({ id: m.id, ok: true, value: await writer.trim(m.cutoff) });
        break;
      case 'expire':
        await writer.expireDedupe(m.cutoff);
        reply({ id: m.id, ok: true, value: undefined });
        break;
      case 'close':
        writer.close();
        reply({ id: m.id, ok: true, value: undefined });
        port.close();
        break;
      case 'crash':
        if (m.mode === 'exit') process.exit(1);
        else if (m.mode === 'exit-after-next-write') exitAfterNextWrite = true;
        else
          setImmediate(() => {
            throw new Error('the stream writer thread crashed (test hook)');
          });
        break;
    }
  } catch (err) {
    reply({ id: m.id, ok: false, error: (err as Error).message });
  }
});
