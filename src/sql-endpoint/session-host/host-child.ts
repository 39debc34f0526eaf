/**
 * Entry of a session host's child process: keeps the customer sessions it is told to
 * open (each its own DuckDB instance, with its own threads) and answers the host's
 * requests over IPC (host-messages.ts). DuckDB's async work runs on this process's libuv
 * pool, never on the serving process's, where ingest gunzips request bodies.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { CustomerSession } from '../customer-session.js';
import { openDuckDBCustomerSession } from '../duckdb/duckdb-customer-session.js';
import { SqlExecutionError } from '../errors.js';
import {
  CUSTOMER_SQL_NICENESS,
  type HostReply,
  type HostRequest,
  toWireError,
} from './host-messages.js';

/**
 * Sets every thread of this process to CUSTOMER_SQL_NICENESS. On Linux a priority is a
 * thread's own: setting the process's changes the main thread alone, and the threads
 * started before this module ran (libuv's pool, which loading the modules already used,
 * and so the DuckDB work it runs) keep theirs. A thread started later inherits the
 * niceness of the thread that starts it. Called at start and after each session opens.
 */
function deprioritise(): void {
  let tids: number[] = [0];
  try {
    tids = readdirSync('/proc/self/task').map(Number);
  } catch {
    // No /proc: the process's priority is all there is to set.
  }
  for (const tid of tids) {
    try {
      setPriority(tid, CUSTOMER_SQL_NICENESS);
    } catch {
      // A platform (or a thread gone meanwhile) that refuses keeps its priority; isolation still holds.
    }
  }
}
deprioritise();

const sessions = new Map<number, CustomerSession>();
/** The stop of each materialize in flight, by request id, for `interrupt`. */
const running = new Map<number, AbortController>();

type Unsized = HostReply extends infer R ? (R extends HostReply ? Omit<R, 'rss'> : never) : never;

function reply(r: Unsized): void {
  // A host that went away mid-statement is no error here ('disconnect' below ends this
  // process); without the callback a failed send would crash it with EPIPE.
  if (!process.connected) return;
  process.send?.({ ...r, rss: process.memoryUsage.rss() } as HostReply, () => undefined);
}

function session(id: number): CustomerSession {
  const s = sessions.get(id);
  if (!s) throw new SqlExecutionError(`session ${id} is not open in this process`);
  return s;
}

async function handle(req: HostRequest): Promise<unknown> {
  switch (req.op) {
    case 'open': {
      const s = await openDuckDBCustomerSession(req.spec);
      sessions.set(req.session, s);
      deprioritise();
      return { relations: s.relations };
    }
    case 'query':
      return session(req.session).query(req.sql);
    case 'materialize': {
      const stop = new AbortController();
      running.set(req.id, stop);
      try {
        return await session(req.session).materialize(req.sql, req.file, stop.signal);
      } finally {
        running.delete(req.id);
      }
    }
    case 'interrupt':
      running.get(req.target)?.abort();
      return undefined;
    case 'close': {
      const s = sessions.get(req.session);
      sessions.delete(req.session);
      await s?.close();
      return undefined;
    }
  }
}

process.on('message', (req: HostRequest) => {
  handle(req).then(
    (value) =>
      reply({ id: req.id, ok: true, ...(value === undefined ? {} : { value }) } as Unsized),
    (err) => reply({ id: req.id, ok: false, error: toWireError(err) }),
  );
});
// The host going away (its IPC channel closing) ends this process.
process.on('disconnect', () => process.exit(0));
