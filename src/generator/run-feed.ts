/**
 * Runs the synthetic feed: generates records paced to a rate and sends them to ingest
 * over HTTP, to an NDJSON file, or to stdout, in batches, with a bounded number of
 * batches in flight. `runFeed` runs one to completion; `startFeed` runs one in the
 * background as a Service (for `faresight up --demo`).
 */

import type { ShoppingRecord } from '../model/shopping-record.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import { GeneratorOptionError } from './errors.js';
import type { FeedCounters, FeedSink } from './feed-sink.js';
import { runFeedOnThread } from './feed-thread.js';
import { FileSink } from './file-sink.js';
import { createGenerator, DEFAULT_VENDOR, VENDOR_NAME } from './generator.js';
import { IngestSink } from './ingest-sink.js';
import { TokenBucket } from './token-bucket.js';

/** Records per POST (or per write) unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 50;
/** A partial batch is sent once its first record is this old, ms. */
export const LINGER_MS = 250;
/** After a stop, in-flight requests get this long to finish before they are cut off, ms. */
export const DRAIN_TIMEOUT_MS = 10_000;

export interface FeedOptions {
  /** Seed of the generator; default random. */
  seed?: number;
  /**
   * Records per second. Paces the feed over the wall clock, unless `count` is given (then
   * records go out as fast as the sink takes them and `rate` only sets the simulated clock).
   */
  rate: number;
  /** Stop after this many seconds (having sent about rate x duration records); default: until aborted. */
  durationSeconds?: number;
  /** Send exactly this many records as fast as possible, on the generator's simulated clock. */
  count?: number;
  /** Vendor name on the records and in the ingest route; default `generic`. */
  vendor?: string;
  /** Ingest base URL, e.g. `http://127.0.0.1:7070`; records are posted to `/v1/ingest/<vendor>`. */
  target?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** NDJSON file to write, or '-' for stdout. Default (no target): stdout. */
  out?: string;
  /** Records per POST or write; default 50. */
  batchSize?: number;
  /** Simulated clock start (implies the simulated clock); default: start of the current UTC day with `count`. */
  start?: Date;
  /**
   * Stop before the first record received after this instant (with the simulated clock:
   * a backfill that must not reach into the future), even short of `count`. Default: none.
   */
  end?: Date;
  /** Price in the point of sale's currency where it has one (EUR, GBP, JPY). */
  localCurrency?: boolean;
  /**
   * Leave `receivedAt` out, so ingest stamps it: searches shopped in the (simulated) past
   * but received now, e.g. a demo's backfill of history. Default false.
   */
  receivedByIngest?: boolean;
  /** Requests in flight at once when posting; default 4. */
  maxInFlight?: number;
  /** Stops the feed: no new records, in-flight batches drain (up to 10 s), pending retries count as failed. */
  signal?: AbortSignal;
  /** Called after each batch settles with the running totals. */
  onProgress?: (sent: number, errors: number) => void;
  logger?: Logger;
}

export interface FeedResult {
  /** Records delivered (posted and answered 2xx, or written). */
  sent: number;
  /** Records the receiver accepted. */
  accepted: number;
  /** Records refused or abandoned. */
  failed: number;
}

/** Checks options; throws GeneratorOptionError naming the first bad one. */
export function checkFeedOptions(o: FeedOptions): void {
  if (!(typeof o.rate === 'number' && o.rate > 0 && Number.isFinite(o.rate))) {
    throw new GeneratorOptionError(
      'rate',
      o.rate,
      'must be a positive number of records per second',
    );
  }
  if (
    o.durationSeconds !== undefined &&
    !(o.durationSeconds > 0 && Number.isFinite(o.durationSeconds))
  ) {
    throw new GeneratorOptionError(
      'duration',
      o.durationSeconds,
      'must be a positive number of seconds',
    );
  }
  if (o.count !== undefined && !(Number.isSafeInteger(o.count) && o.count > 0)) {
    throw new GeneratorOptionError('count', o.count, 'must be a positive integer');
  }
  const b = o.batchSize;
  if (b !== undefined && !(Number.isSafeInteger(b) && b > 0 && b <= 10_000)) {
    throw new GeneratorOptionError('batchSize', b, 'must be an integer from 1 to 10000');
  }
  const m = o.maxInFlight;
  if (m !== undefined && !(Number.isSafeInteger(m) && m > 0 && m <= 64)) {
    throw new GeneratorOptionError('maxInFlight', m, 'must be an integer from 1 to 64');
  }
  if (o.vendor !== undefined && !VENDOR_NAME.test(o.vendor)) {
    throw new GeneratorOptionError(
      'vendor',
      o.vendor,
      'must be lowercase letters, digits, - or _ (at most 32)',
    );
  }
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) {
    throw new GeneratorOptionError('seed', o.seed, 'must be an integer');
  }
  if (o.target !== undefined && o.out !== undefined) {
    throw new GeneratorOptionError(
      'target',
      o.target,
      'cannot be combined with out (pick one destination)',
    );
  }
  if (o.target !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(o.target);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new GeneratorOptionError(
        'target',
        o.target,
        'must be an http(s) URL such as http://127.0.0.1:7070',
      );
    }
  }
  if (o.out !== undefined && o.out.length === 0) {
    throw new GeneratorOptionError('out', o.out, 'must be a file path or -');
  }
}

/** Start of the current UTC day: the default simulated clock start, stable within a day. */
export function startOfUtcDay(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs a feed until `count` records, `durationSeconds` or `signal` ends it, then drains
 * and resolves with the totals. Rejects with GeneratorOptionError for bad options, with
 * FeedRejectedError when ingest refuses the feed (401/403/404), or with the write error
 * of an output file. A closed stdout (EPIPE) ends the feed quietly.
 */
export async function runFeed(opts: FeedOptions): Promise<FeedResult> {
  checkFeedOptions(opts);
  const vendor = opts.vendor ?? DEFAULT_VENDOR;
  const simulated = opts.count !== undefined || opts.start !== undefined;
  const generator = createGenerator({
    seed: opts.seed,
    vendor,
    start: opts.start ?? startOfUtcDay(),
    simulatedRate: opts.rate,
    localCurrency: opts.localCurrency,
  });
  const counters: FeedCounters = { sent: 0, accepted: 0, failed: 0 };
  const stopping = new AbortController();
  const hardStop = new AbortController();
  let fatal: Error | undefined;
  const fail = (err: Error) => {
    fatal ??= err;
    stopping.abort();
  };
  const onUserAbort = () => stopping.abort();
  if (opts.signal?.aborted) stopping.abort();
  opts.signal?.addEventListener('abort', onUserAbort, { once: true });
  let drainTimer: NodeJS.Timeout | undefined;
  stopping.signal.addEventListener(
    'abort',
    () => {
      drainTimer = setTimeout(() => hardStop.abort(), DRAIN_TIMEOUT_MS);
    },
    { once: true },
  );

  const sink: FeedSink =
    opts.target !== undefined
      ? new IngestSink(
          {
            target: opts.target,
            vendor,
            token: opts.token,
            maxInFlight: opts.maxInFlight,
            stopping: stopping.signal,
            hardStop: hardStop.signal,
            logger: opts.logger,
          },
          counters,
        )
      : new FileSink(opts.out ?? '-', counters, (err) => {
          if ((err as NodeJS.ErrnoException).code === 'EPIPE') stopping.abort();
          else
            fail(new Error(`cannot write ${opts.out ?? 'stdout'}: ${err.message}`, { cause: err }));
        });

  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const limit =
    opts.count ??
    (opts.durationSeconds !== undefined ? Math.round(opts.rate * opts.durationSeconds) : Infinity);
  const started = performance.now();
  const deadline =
    opts.count === undefined && opts.durationSeconds !== undefined
      ? started + opts.durationSeconds * 1000 + LINGER_MS
      : Infinity;
  const bucket =
    opts.count === undefined
      ? new TokenBucket(opts.rate, Math.max(batchSize, opts.rate))
      : undefined;
  const inFlight = new Set<Promise<void>>();
  const report = () => opts.onProgress?.(counters.sent, counters.failed);

  const dispatch = async (batch: ShoppingRecord[]) => {
    while (inFlight.size >= sink.concurrency) await Promise.race(inFlight);
    const p = sink
      .write(batch)
      .catch((err: Error) => fail(err))
      .finally(() => {
        inFlight.delete(p);
        report();
      });
    inFlight.add(p);
  };

  let generated = 0;
  // ISO instants of one format compare as strings; '~' sorts after any of them
  const endIso = opts.end?.toISOString() ?? '~';
  let ended = false;
  let batch: ShoppingRecord[] = [];
  let batchStarted = 0;
  try {
    while (!stopping.signal.aborted && !ended && generated < limit) {
      const now = performance.now();
      if (now >= deadline) break;
      const want = Math.min(batchSize - batch.length, limit - generated);
      const n = bucket ? bucket.take(want) : want;
      for (let i = 0; i < n; i++) {
        const r = generator.next(simulated ? undefined : new Date());
        if (r.receivedAt > endIso) {
          ended = true;
          break;
        }
        if (opts.receivedByIngest) delete (r as Partial<ShoppingRecord>).receivedAt;
        batch.push(r);
        generated++;
      }
      if (batch.length > 0 && batchStarted === 0) batchStarted = now;
      const full = batch.length >= batchSize || generated >= limit || ended;
      if (batch.length > 0 && (full || now - batchStarted >= LINGER_MS)) {
        const b = batch;
        batch = [];
        batchStarted = 0;
        await dispatch(b);
        continue;
      }
      if (bucket && n < want) {
        let wait = bucket.waitMs(want - n);
        if (batchStarted > 0) wait = Math.min(wait, batchStarted + LINGER_MS - now);
        wait = Math.min(wait, deadline - now);
        await sleep(Math.max(1, wait), stopping.signal);
      }
    }
    // Records already generated are sent even when stopping: nothing is dropped silently.
    if (batch.length > 0) await dispatch(batch);
    while (inFlight.size > 0) await Promise.race(inFlight);
    await sink.close().catch((err: Error) => fail(err));
  } finally {
    opts.signal?.removeEventListener('abort', onUserAbort);
    if (drainTimer) clearTimeout(drainTimer);
    hardStop.abort();
  }
  if (fatal) throw fatal;
  return { sent: counters.sent, accepted: counters.accepted, failed: counters.failed };
}

/** A counted feed (the demo's history, `generate --count`) logs a progress line at most this often, ms. */
export const PROGRESS_LOG_INTERVAL_MS = 10_000;

/** A paced feed (the demo's live feed) logs one at most this often: its rate is known, a line every 10 s is noise. */
export const PACED_PROGRESS_LOG_INTERVAL_MS = 60_000;

/** How often `startFeed` logs `feed progress` for a feed of these options, ms. */
export function progressLogIntervalMs(opts: Pick<FeedOptions, 'count'>): number {
  return opts.count === undefined ? PACED_PROGRESS_LOG_INTERVAL_MS : PROGRESS_LOG_INTERVAL_MS;
}

export type StartFeedOptions = Omit<FeedOptions, 'signal'> & {
  logger?: Logger;
  /**
   * Run the feed on a worker thread of its own (runFeedOnThread), so generating and
   * posting take no time from the event loop of the process it posts to. Default false.
   */
  thread?: boolean;
};

/** A running feed; `done` settles when the feed ends by itself or after `stop()`. */
export interface FeedService extends Service {
  readonly done: Promise<FeedResult>;
}

/**
 * Starts a feed in the background and returns at once. Bad options throw
 * GeneratorOptionError synchronously. `stop()` stops generating, drains in-flight batches
 * and resolves (never rejects); a feed failure (e.g. ingest refusing the token) is logged.
 */
export function startFeed(opts: StartFeedOptions): FeedService {
  checkFeedOptions(opts);
  const log = opts.logger?.child('feed');
  const controller = new AbortController();
  let lastLog = performance.now();
  let lastSent = 0;
  const logEvery = progressLogIntervalMs(opts);
  const { thread, ...feed } = opts;
  const done = (thread ? runFeedOnThread : runFeed)({
    ...feed,
    logger: log,
    signal: controller.signal,
    onProgress: (sent, errors) => {
      opts.onProgress?.(sent, errors);
      const now = performance.now();
      if (now - lastLog >= logEvery) {
        const rate = ((sent - lastSent) * 1000) / (now - lastLog);
        log?.info('feed progress', { sent, failed: errors, perSecond: Math.round(rate) });
        lastLog = now;
        lastSent = sent;
      }
    },
  });
  log?.info('feed started', {
    // a counted feed is not paced: its rate only spaces the simulated shopping times
    ...(opts.count === undefined
      ? { rate: opts.rate }
      : {
          count: opts.count,
          pace: 'as fast as the target takes them',
          ...(opts.start ? { shoppedFrom: opts.start.toISOString() } : {}),
        }),
    to: opts.target
      ? `${opts.target}/v1/ingest/${opts.vendor ?? 'generic'}`
      : (opts.out ?? 'stdout'),
  });
  const settled = done.then(
    (r) => log?.info('feed stopped', { ...r }),
    (err: Error) => log?.error('feed failed', { error: err.message }),
  );
  return {
    name: 'feed',
    done,
    async stop() {
      controller.abort();
      await settled;
    },
  };
}
