/**
 * Entry of the staging thread (staging-thread.ts): transcodes shopping records into the
 * staging files it is told, one request at a time, and answers `{ id, ok[, error] }`.
 */
import { parentPort } from 'node:worker_threads';
import { stageShoppingFiles } from './shopping-staging.js';
import { type StagingReply, type StagingRequest, unpackRecords } from './staging-thread.js';

const port = parentPort!;
port.on('message', (m: StagingRequest) => {
  let reply: StagingReply;
  try {
    stageShoppingFiles(unpackRecords(m.records), m.files);
    reply = { id: m.id, ok: true };
  } catch (err) {
    reply = { id: m.id, ok: false, error: (err as Error).message };
  }
  port.postMessage(reply);
});
