/**
 * Entry of the feed's thread (runFeedOnThread): runs runFeed on the options it was given
 * and reports progress, log lines and the result as FeedThreadMessages; `'stop'` stops it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../ops/logger.js';
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
/** The calling thread's logger (and its component) prints these lines. */
const logger: Logger = {
  debug: emit('debug'),
  info: emit('info'),
  warn: emit('warn'),
  error: emit('error'),
  child: () => logger,
};

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
