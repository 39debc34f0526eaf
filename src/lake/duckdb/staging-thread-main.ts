/**
 * Entry of the staging thread (staging-thread.ts): transcodes shopping records into the
 * staging files it is told, one request at a time, and answers `{ id, ok[, error] }`;
 * `{ id: 0, ok: true }` says it is ready. A `crash` message (a test hook) makes it die.
 */
import { parentPort } from 'node:worker_threads';
import { stageShoppingFiles } from './shopping-staging.js';
import { type StagingReply, type StagingRequest, unpackRecords } from './staging-thread.js';

const port = parentPort!;
const reply = (m: StagingReply) => port.postMessage(m);
port.on('message', (m: StagingRequest) => {
  if (m.op === 'crash') {
    if (m.mode === 'exit') process.exit(1);
    setImmediate(() => {
      throw new Error('the staging thread crashed (test hook)');
    });
    return;
  }
  try {
    stageShoppingFiles(unpackRecords(m.records), m.files);
    reply({ id: m.id, ok: true });
  } catch (err) {
    reply({ id: m.id, ok: false, error: (err as Error).message });
  }
});
reply({ id: 0, ok: true });
