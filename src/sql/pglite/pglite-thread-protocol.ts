/**
 * The messages between PGliteClient (pglite-client.ts) and the row store's thread
 * (pglite-thread-main.ts). Every request has an `id` and gets one reply with that id;
 * the thread's first message, id 0, says whether the database opened.
 */

import type { SqlStatement } from '../sql-client.js';

/** The thread's `workerData`. */
export interface PGliteThreadData {
  /** Data directory; undefined = in memory. The client holds `<dir>.lock`. */
  readonly dir: string | undefined;
  /** `shared_buffers` of an on-disk database, MB; undefined = the default. */
  readonly sharedBuffersMb?: number;
}

/**
 * A request. `tx` names an open transaction (the id of its `begin`); without it a
 * statement runs on its own, after any open transaction has ended (PGlite has one
 * connection); a read (statementUse) before the writes queued beside it (ConnectionQueue).
 * `batch` runs its statements in one transaction in the thread and is answered with
 * each one's rows. `begin` is answered once the transaction holds the connection; `end`
 * commits or rolls it back and is answered when that is done.
 */
export type PGliteThreadRequest =
  | {
      readonly id: number;
      readonly op: 'query';
      readonly sql: string;
      readonly params?: readonly unknown[];
      readonly tx?: number;
    }
  | { readonly id: number; readonly op: 'exec'; readonly sql: string; readonly tx?: number }
  | { readonly id: number; readonly op: 'batch'; readonly statements: readonly SqlStatement[] }
  | { readonly id: number; readonly op: 'begin' }
  | { readonly id: number; readonly op: 'end'; readonly tx: number; readonly commit: boolean }
  | { readonly id: number; readonly op: 'close' };

/** A statement's error as the database reported it: its message and PostgreSQL's fields. */
export interface PGliteThreadError {
  readonly message: string;
  /** Further string fields of the database's error: `code` (SQLSTATE), `detail`, `constraint`, ... */
  readonly fields: Readonly<Record<string, string>>;
}

/** The answer to request `id`. */
export type PGliteThreadReply =
  | { readonly id: number; readonly ok: true; readonly value?: unknown }
  | { readonly id: number; readonly ok: false; readonly error: PGliteThreadError };

/** The fields of a PostgreSQL error passed on with its message (node-postgres names them alike). */
export const ERROR_FIELDS = [
  'code',
  'severity',
  'detail',
  'hint',
  'position',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'routine',
] as const;
