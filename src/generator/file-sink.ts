/** A feed sink writing NDJSON to a file or to stdout ('-'), honouring stream backpressure. */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { ShoppingRecord } from '../model/shopping-record.js';
import type { FeedCounters, FeedSink } from './feed-sink.js';

export class FileSink implements FeedSink {
  readonly concurrency = 1;
  private readonly out: Writable;
  private readonly owned: boolean;
  private error: Error | undefined;

  /**
   * `path` is a file (created or truncated) or '-' for stdout. A write error (disk full,
   * closed pipe) calls `onError` once; later records count as failed unless the error
   * was EPIPE (the reader went away, e.g. `| head`).
   */
  constructor(
    path: string,
    private readonly counters: FeedCounters,
    private readonly onError: (err: Error) => void,
  ) {
    this.owned = path !== '-';
    this.out = this.owned ? createWriteStream(path, { flags: 'w' }) : process.stdout;
    this.out.on('error', (err: Error) => {
      if (!this.error) {
        this.error = err;
        this.onError(err);
      }
    });
  }

  async write(batch: readonly ShoppingRecord[]): Promise<void> {
    if (this.error) {
      this.lost(batch.length);
      return;
    }
    let text = '';
    for (const r of batch) text += `${JSON.stringify(r)}\n`;
    const ok = this.out.write(text);
    if (!ok && !this.error) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.out.off('drain', done);
          this.out.off('error', done);
          this.out.off('close', done);
          resolve();
        };
        this.out.on('drain', done);
        this.out.on('error', done);
        this.out.on('close', done);
      });
    }
    if (this.error) {
      this.lost(batch.length);
    } else {
      this.counters.sent += batch.length;
      this.counters.accepted += batch.length;
    }
  }

  /** Records not written: failed, except when the reader closed the pipe (`| head`), which ends the feed by design. */
  private lost(n: number): void {
    if ((this.error as NodeJS.ErrnoException | undefined)?.code !== 'EPIPE')
      this.counters.failed += n;
  }

  async close(): Promise<void> {
    if (!this.owned || this.error) return;
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}
