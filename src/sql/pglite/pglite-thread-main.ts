/**
 * Entry of the row store's thread (PGliteClient): owns the PGlite instance, so its
 * statements (WASM, synchronous) run here and not on the event loop of the process that
 * serves requests. Answers each request of pglite-thread-protocol.ts; `{ id: 0 }` first,
 * once the database is open (or could not be).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SqlExecutor } from '../sql-client.js';
import { ConnectionQueue, statementUse } from './connection-queue.js';
import { PGliteInlineClient } from './pglite-inline-client.js';
import {
  ERROR_FIELDS,
  type PGliteThreadData,
  type PGliteThreadError,
  type PGliteThreadReply,
  type PGliteThreadRequest,
} from './pglite-thread-protocol.js';

const port = parentPort!;
const reply = (m: PGliteThreadReply) => port.postMessage(m);
const { dir, sharedBuffersMb } = workerData as PGliteThreadData;

function errorOf(err: unknown): PGliteThreadError {
  const e = err as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const k of ERROR_FIELDS) if (typeof e?.[k] === 'string') fields[k] = e[k] as string;
  return { message: err instanceof Error ? err.message : String(err), fields };
}

/** An open transaction: its executor and how to end it (with the id of the `end` request). */
type Open = { tx: SqlExecutor; end: (endId: number, commit: boolean) => void };
const open = new Map<number, Open>();
/** Statements on their own and transactions take the connection through here (reads first). */
const connection = new ConnectionQueue();
/** Rejects a transaction's callback so that PGlite rolls it back; not an error to report. */
const ROLLBACK = Symbol('rollback');

/**
 * Runs `fn` (statement `sql`) in transaction `tx`, or, without one, on the connection once
 * it is free (a read before the writes waiting beside it).
 */
function onConnection<T>(
  client: PGliteInlineClient,
  tx: number | undefined,
  sql: string,
  fn: (db: SqlExecutor) => Promise<T>,
): Promise<T> {
  if (tx === undefined) return connection.run(statementUse(sql), () => fn(client));
  const t = open.get(tx);
  if (!t) throw new Error(`transaction ${tx} is not open (it has ended)`);
  return fn(t.tx);
}

function begin(client: PGliteInlineClient, id: number): void {
  let began = false;
  let endId = 0;
  connection
    .run('transaction', () =>
      client.transaction(async (tx) => {
        const commit = await new Promise<boolean>((resolve) => {
          open.set(id, {
            tx,
            end: (e, c) => {
              endId = e;
              resolve(c);
            },
          });
          began = true;
          reply({ id, ok: true, value: id });
        });
        if (!commit) throw ROLLBACK;
      }),
    )
    .then(
      () => reply({ id: endId, ok: true }),
      (err: unknown) => {
        open.delete(id);
        if (!began) reply({ id, ok: false, error: errorOf(err) });
        else if (err === ROLLBACK) reply({ id: endId, ok: true });
        else reply({ id: endId, ok: false, error: errorOf(err) });
      },
    );
}

async function handle(client: PGliteInlineClient, m: PGliteThreadRequest): Promise<void> {
  try {
    switch (m.op) {
      case 'query':
        reply({
          id: m.id,
          ok: true,
          value: await onConnection(client, m.tx, m.sql, (db) => db.query(m.sql, m.params)),
        });
        return;
      case 'exec':
        await onConnection(client, m.tx, m.sql, (db) => db.exec(m.sql));
        reply({ id: m.id, ok: true });
        return;
      case 'batch':
        reply({
          id: m.id,
          ok: true,
          value: await connection.run('transaction', () => client.batch(m.statements)),
        });
        return;
      case 'begin':
        begin(client, m.id);
        return;
      case 'end': {
        const t = open.get(m.tx);
        if (!t) throw new Error(`transaction ${m.tx} is not open (it has ended)`);
        open.delete(m.tx);
        t.end(m.id, m.commit);
        return;
      }
      case 'close':
        await connection.run('statement', () => client.close());
        reply({ id: m.id, ok: true });
        return;
    }
  } catch (err) {
    reply({ id: m.id, ok: false, error: errorOf(err) });
  }
}

PGliteInlineClient.open({
  dir,
  lock: false,
  ...(sharedBuffersMb !== undefined ? { sharedBuffersMb } : {}),
}).then(
  (client) => {
    port.on('message', (m: PGliteThreadRequest) => void handle(client, m));
    reply({ id: 0, ok: true });
  },
  (err: unknown) => reply({ id: 0, ok: false, error: errorOf(err) }),
);
