/**
 * The IPC messages between a SessionHost (the serving process) and its child processes
 * (host-child.ts), and how errors cross that boundary: each error class of errors.ts
 * is sent by name with its fields and rebuilt as the same class on the other side.
 */
import type { SessionResult, SessionSpec } from '../customer-session.js';
import {
  ResultTooLargeError,
  RowLimitError,
  SqlExecutionError,
  SqlHostError,
  SqlInterruptedError,
  SqlMemoryLimitError,
  SqlRejectedError,
  SqlTimeoutError,
} from '../errors.js';

/**
 * Niceness of every thread of a child: customer SQL yields the CPU to ingest and the API.
 * The host sets it on the child as soon as it is forked (so the threads Node starts
 * inherit it) and the child on each of its threads (host-child.ts).
 */
export const CUSTOMER_SQL_NICENESS = 10;

/** A request from the host to a child; `id` is unique per child. */
export type HostRequest =
  | { id: number; op: 'open'; session: number; spec: SessionSpec }
  | { id: number; op: 'query'; session: number; sql: string }
  | { id: number; op: 'materialize'; session: number; sql: string; file: string }
  /** Interrupts request `target` (a materialize) if it is still running. */
  | { id: number; op: 'interrupt'; target: number }
  | { id: number; op: 'close'; session: number };

/** What a failed request carries back. */
export interface WireError {
  name: string;
  message: string;
  timeoutMs?: number;
  maxRows?: number;
  maxBytes?: number;
  memoryLimit?: string;
}

/** A child's answer to request `id`, with the child's resident set size after it. */
export type HostReply =
  | {
      id: number;
      ok: true;
      value?: SessionResult | number | { relations: readonly string[] };
      rss: number;
    }
  | { id: number; ok: false; error: WireError; rss: number };

/** An error as sent by the child. */
export function toWireError(err: unknown): WireError {
  const e = err as Error &
    Partial<Record<'timeoutMs' | 'maxRows' | 'maxBytes', number>> & { memoryLimit?: string };
  return {
    name: e?.name ?? 'Error',
    message: e?.message ?? String(err),
    ...(e.timeoutMs !== undefined ? { timeoutMs: e.timeoutMs } : {}),
    ...(e.maxRows !== undefined ? { maxRows: e.maxRows } : {}),
    ...(e.maxBytes !== undefined ? { maxBytes: e.maxBytes } : {}),
    ...(e.memoryLimit !== undefined ? { memoryLimit: e.memoryLimit } : {}),
  };
}

/** The error class the child threw, rebuilt; anything unknown becomes SqlExecutionError. */
export function fromWireError(e: WireError): Error {
  switch (e.name) {
    case 'SqlRejectedError':
      return new SqlRejectedError(e.message);
    case 'SqlTimeoutError':
      return new SqlTimeoutError(e.timeoutMs ?? 0);
    case 'RowLimitError':
      return new RowLimitError(e.maxRows ?? 0);
    case 'ResultTooLargeError':
      return new ResultTooLargeError(e.maxBytes ?? 0);
    case 'SqlMemoryLimitError':
      return new SqlMemoryLimitError(e.memoryLimit ?? '?');
    case 'SqlHostError':
      return new SqlHostError(e.message);
    case 'SqlInterruptedError':
      return new SqlInterruptedError();
    default:
      return new SqlExecutionError(e.message);
  }
}
