/**
 * Entry of the feed's thread (runFeedOnThread): runs runFeed on the options it was given
 * and reports progress, log lines and the result as FeedThreadMessages; `'stop'` stops it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../ops/logger.js';
import { setThisThreadNiceness } from '../ops/thread-priority.js';
import type { FeedThreadData, FeedThreadMessage } from './feed-thread.js';
import { runFeed } from './run-feed.js';

const port = parentPort!;
const post = (m: FeedThreadMessage) => port.postMessage(m);
const controller = new AbortController();
port.on('message', (m: unknown) => {
  if (m === 'stop') controller.abort();
});

const emit =
  (level: 'debug' | 'info' | 'warn' | 'error') =>
  (msg: string, fields?: Record<string, unknown>) => {
    try {
      post({ kind: 'log', level, msg, ...(fields ? { fields } : {}) });
    } catch {
      post({ kind: 'log', level, msg }); // a field that cannot be copied: the line without it
    }
  };
/** Niceness of the feed's thread: the lowest priority Linux has. */
const FEED_NICENESS = 19;

/** The calling thread's logger (and its component) prints these lines. */
const logger: Logger = {
  debug: emit('debug'),
  info: emit('info'),
  warn: emit('warn'),
  error: emit('error'),
  child: () => logger,
};

// A vendor posts from a machine of its own; the demo's feed shares the platform's cores.
// At the lowest priority (19, below the forecast's background threads) it takes what the
// platform's threads leave: while the history posts as fast as ingest takes it, the API
// is not held behind the generator (docs/benchmarks.md, "the feed at the lowest priority").
setThisThreadNiceness(FEED_NICENESS);

runFeed({
  ...(workerData as FeedThreadData),
  logger,
  signal: controller.signal,
  onProgress: (sent, errors) => post({ kind: 'progress', sent, errors }),
}).then(
  (result) => {
    post({ kind: 'done', result });
    port.close();
  },
  (err: Error & { url?: string; status?: number; body?: string }) => {
    post({
      kind: 'failed',
      name: err.name,
      message: err.message,
      url: err.url,
      status: err.status,
      body: err.body,
    });
    port.close();
  },
);
