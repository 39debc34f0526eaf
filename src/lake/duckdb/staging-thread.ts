/**
 * Shopping staging on a worker thread: the transcoding (the lake writer's main CPU cost
 * in JavaScript) runs beside the thread that reads the stream and drives DuckDB, so on a
 * machine with more than one core the three overlap. Requests are answered in order.
 */
import type { Worker } from 'node:worker_threads';
import { siblingModule, spawnWorker } from '../../ops/spawn-worker.js';
import type { ShoppingStagingFiles, StagedInput } from './shopping-staging.js';

export interface StagingRequest {
  id: number;
  records: StagedInput[];
  files: ShoppingStagingFiles;
}

export type StagingReply = { id: number; ok: true } | { id: number; ok: false; error: string };

type Waiter = { resolve: () => void; reject: (e: Error) => void };

export class StagingThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor() {
    this.worker = spawnWorker(siblingModule(import.meta.url, 'staging-thread-main'), undefined);
    this.worker.unref();
    this.worker.on('message', (m: StagingReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (m.ok) w.resolve();
      else w.reject(new Error(m.error));
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const w of this.waiting.values()) w.reject(this.failure);
      this.waiting.clear();
    };
    this.worker.on('error', (err) => fail(new Error(`the staging thread failed: ${err.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`the staging thread exited (code ${code})`)));
  }

  /** True until the thread has failed or exited; then callers stage inline. */
  get alive(): boolean {
    return this.failure === undefined;
  }

  /** Stages `records` into `files` on the thread. Rejects with the thread's error. */
  stage(records: StagedInput[], files: ShoppingStagingFiles): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, records, files } satisfies StagingRequest);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
