/**
 * The synthetic feed on a worker thread of its own: the generator, the JSON encoding and
 * the HTTP client run there, not on the event loop of the process they post to. In
 * `faresight up --demo` the history feed posts 30,000 searches as fast as ingest takes
 * them; on the platform's event loop that work was about a quarter of its CPU while the
 * history loaded and every API request waited behind it (issue 18).
 */
import { siblingModule, spawnWorker } from '../ops/spawn-worker.js';
import { FeedRejectedError } from './errors.js';
import type { FeedOptions, FeedResult } from './run-feed.js';

/** The thread's `workerData`: the feed's options that can be copied to it. */
export type FeedThreadData = Omit<FeedOptions, 'signal' | 'onProgress' | 'logger'>;

/** Messages of the feed's thread; the thread takes one message, `'stop'`. */
export type FeedThreadMessage =
  | { readonly kind: 'progress'; readonly sent: number; readonly errors: number }
  | {
      readonly kind: 'log';
      readonly level: 'debug' | 'info' | 'warn' | 'error';
      readonly msg: string;
      readonly fields?: Record<string, unknown>;
    }
  | { readonly kind: 'done'; readonly result: FeedResult }
  | {
      readonly kind: 'failed';
      readonly name: string;
      readonly message: string;
      readonly url?: string;
      readonly status?: number;
      readonly body?: string;
    };

/**
 * runFeed on a worker thread: same options, result and errors (a refusal by ingest
 * rejects with FeedRejectedError, a bad option with an Error naming it). `signal`,
 * `onProgress` and `logger` stay on the calling thread; the thread's log lines come
 * through `logger`. Rejects when the thread dies before it answers.
 */
export function runFeedOnThread(opts: FeedOptions): Promise<FeedResult> {
  const { signal, onProgress, logger, ...data } = opts;
  const worker = spawnWorker(
    siblingModule(import.meta.url, 'feed-thread-main'),
    data satisfies FeedThreadData,
  );
  const stop = () => worker.postMessage('stop');
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  return new Promise<FeedResult>((resolve, reject) => {
    let answered = false;
    worker.on('message', (m: FeedThreadMessage) => {
      switch (m.kind) {
        case 'progress':
          onProgress?.(m.sent, m.errors);
          return;
        case 'log':
          logger?.[m.level](m.msg, m.fields);
          return;
        case 'done':
          answered = true;
          void worker.terminate(); // idle keep-alive sockets would keep the thread up
          resolve(m.result);
          return;
        case 'failed':
          answered = true;
          void worker.terminate();
          reject(
            m.name === 'FeedRejectedError'
              ? new FeedRejectedError(m.url ?? '', m.status ?? 0, m.body ?? '')
              : Object.assign(new Error(m.message), { name: m.name }),
          );
          return;
      }
    });
    worker.on('error', (err) => {
      answered = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      signal?.removeEventListener('abort', stop);
      if (!answered) reject(new Error(`the feed's thread exited (code ${code}) before it ended`));
    });
  });
}
