/**
 * Ingest on a worker thread of its own, as `faresight up` runs it. In one process ingest
 * shared the event loop with the API, the consumers and their garbage: while the demo's
 * history loaded, parsing, validating and encoding every POST (and the collections of
 * what that allocates) held API reads behind it (issue 18). Here the thread opens its own
 * connections to the streams and the object store (the embedded stream's database is
 * shared between threads and processes alike, see docs/stream.md), serves the ingest port
 * and answers the platform's questions: its URL, its running totals and its metrics.
 *
 * The thread's log lines are printed by the platform's logger. A thread that dies is
 * replaced (RestartingWorker: 100 ms, doubling up to 5 s while new ones fail) on the port
 * the first one bound; while none is up, ingest refuses connections and vendors retry.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Config } from '../../config/config.js';
import type { IngestStats } from '../../ingest/ingest-stats.js';
import type { VendorToken } from '../../ingest/vendor-auth.js';
import type { Logger } from '../../ops/logger.js';
import { RestartingWorker } from '../../ops/restarting-worker.js';
import type { Service } from '../../ops/service.js';
import { siblingModule } from '../../ops/spawn-worker.js';
import { isThreadLogLine, printThreadLog } from '../../ops/thread-logger.js';

/** Ingest's thread died, is restarting or was stopped. */
export class IngestThreadError extends Error {
  override readonly name = 'IngestThreadError';
}

/** The thread's `workerData`. */
export interface IngestThreadData {
  config: Config;
  internalTokens: readonly VendorToken[];
}

/** A request to the thread; each gets one answer with its id. */
export type IngestThreadRequest = { readonly id: number; readonly op: IngestThreadOp };
export type IngestThreadOp = 'url' | 'totals' | 'metrics' | 'stop';

/** Ingest's running totals since the thread started (IngestStats.totals). */
export type IngestTotals = IngestStats['totals'];

/** Prometheus metrics in prom-client's JSON form. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Ingest as a service of the platform, served from its thread. */
export interface IngestThread extends Service {
  /** Where ingest listens (the port the first thread bound; a new thread binds it again). */
  readonly url: string;
  /** The totals of the thread that is up (they start again at 0 after a restart). */
  totals(): Promise<IngestTotals>;
  /** Ingest's registry, read from the thread (what its own `/metrics` serves). */
  readonly registry: { getMetricsAsJSON(): Promise<MetricsJson> };
}

/**
 * Starts ingest on its thread and waits until it listens; rejects with the thread's error
 * when it cannot start (a stream it cannot open, a port in use), leaving nothing running.
 */
export async function startIngestThread(deps: {
  config: Config;
  logger: Logger;
  internalTokens?: readonly VendorToken[];
}): Promise<IngestThread & { crashForTesting(): void }> {
  const { logger } = deps;
  const data: IngestThreadData = {
    config: deps.config,
    internalTokens: [...(deps.internalTokens ?? [])],
  };
  const worker = await RestartingWorker.start(
    {
      entry: siblingModule(import.meta.url, 'ingest-thread-main'),
      workerData: data,
      label: 'the ingest thread',
      error: IngestThreadError,
      onMessage: (m) => {
        if (isThreadLogLine(m)) printThreadLog(logger, m);
      },
      onEvent: (e) => {
        if (e.type === 'failed')
          logger.error('ingest thread died; starting a new one', {
            error: e.error.message,
            attempt: e.attempt,
            inMs: e.delayMs,
          });
        else logger.info('ingest thread restarted', { restarts: e.restarts });
      },
    },
    true,
  );
  const request = (op: IngestThreadOp): IngestThreadRequest => ({ id: worker.id(), op });
  const ask = (op: IngestThreadOp) => worker.request(request(op));
  let url: string;
  try {
    url = (await ask('url')) as string;
  } catch (err) {
    await worker.close();
    throw err;
  }
  // A new thread is started with the same workerData: it must bind the port this one got
  // (a configured port of 0 took a free one), so that the URL vendors were given holds.
  data.config = {
    ...deps.config,
    ingest: { ...deps.config.ingest, port: Number(new URL(url).port) },
  };
  return {
    name: 'ingest',
    url,
    totals: async () => (await ask('totals')) as IngestTotals,
    registry: { getMetricsAsJSON: async () => (await ask('metrics')) as MetricsJson },
    /** Test hook, never for production: ends the thread as a crash would (it is restarted). */
    crashForTesting: () => worker.crashForTesting('terminate'),
    stop: () => worker.close(request('stop')),
  };
}
