/**
 * Entry of ingest's thread (see ingest-thread.ts): opens the streams (committing on this
 * thread, which is already off the platform's event loop) and the object store, starts
 * ingest, reports the outcome as `{ id: 0 }`, then answers IngestThreadRequests with
 * `{ id, ok, value | error }`. `stop` stops ingest (its last statistics flushed) and
 * closes what it opened.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerReply } from '../../ops/restarting-worker.js';
import { postingLogger } from '../../ops/thread-logger.js';
import type { IngestThreadData, IngestThreadRequest } from './ingest-thread.js';
import { openObjectStore } from './object-store.js';
import { startIngestRole } from './roles.js';
import { openIngestStreams } from './stream.js';

const port = parentPort!;
const reply = (m: WorkerReply) => port.postMessage(m);
const { config, internalTokens } = workerData as IngestThreadData;
const logger = postingLogger((m) => port.postMessage(m));

const closers: (() => Promise<unknown>)[] = [];
const closeAll = async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
  closers.length = 0;
};
let ingest: Awaited<ReturnType<typeof startIngestRole>> | undefined;
try {
  const streams = await openIngestStreams(config, logger, { writerOnCallerThread: true });
  closers.push(() => streams.close());
  const payloadStore = await openObjectStore(config);
  closers.push(() => payloadStore.close());
  ingest = await startIngestRole({ config, streams, payloadStore, logger, internalTokens });
  reply({ id: 0, ok: true });
} catch (err) {
  await closeAll();
  reply({ id: 0, ok: false, error: (err as Error).message });
}

port.on('message', async (m: IngestThreadRequest) => {
  const i = ingest;
  if (!i) {
    reply({ id: m.id, ok: false, error: 'ingest did not start' });
    return;
  }
  try {
    switch (m.op) {
      case 'url':
        reply({ id: m.id, ok: true, value: i.url });
        return;
      case 'totals':
        reply({ id: m.id, ok: true, value: { ...i.stats.totals } });
        return;
      case 'metrics':
        reply({ id: m.id, ok: true, value: await i.registry.getMetricsAsJSON() });
        return;
      case 'stop':
        ingest = undefined;
        try {
          await i.stop();
        } finally {
          await closeAll();
        }
        reply({ id: m.id, ok: true });
        port.close();
        return;
    }
  } catch (err) {
    reply({ id: m.id, ok: false, error: (err as Error).message });
  }
});
