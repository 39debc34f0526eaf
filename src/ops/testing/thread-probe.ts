/**
 * For object-thread tests: an object that says which thread it runs on, blocks its thread
 * on request, fails on request, and leaves a file behind when it is closed.
 */
import * as fs from 'node:fs';
import { threadId } from 'node:worker_threads';

export interface ThreadProbe {
  threadId(): Promise<number>;
  /** Blocks its thread for `ms` synchronously, as DuckDB's closeSync does, and echoes `value`. */
  block(ms: number, value: string): Promise<string>;
  fail(message: string): Promise<never>;
  close(): Promise<void>;
}

/** Makes a probe; `closedFile` is written when it is closed. Throws when `refuse` is set. */
export async function makeThreadProbe(o: {
  closedFile: string;
  refuse?: string;
}): Promise<ThreadProbe> {
  if (o.refuse) throw new Error(o.refuse);
  return {
    threadId: async () => threadId,
    block: async (ms, value) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {}
      return value;
    },
    fail: async (message) => {
      throw new Error(message);
    },
    close: async () => fs.writeFileSync(o.closedFile, 'closed'),
  };
}
