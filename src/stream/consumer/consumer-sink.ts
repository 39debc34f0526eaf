/**
 * The contract between the consumer loop (consumer-loop.ts) and what plugs into it: the
 * sink of a consumer, the records it refuses, the loop's counters and hooks.
 */
import type { Batch, StreamRecord } from '../stream.js';
import type { DurableSink } from './durable-sink.js';

/** Counters of one loop since start. */
export interface LoopStats {
  group: string;
  /** Batches processed and committed. */
  batches: number;
  /** Records processed in committed batches (dead-lettered ones excluded). */
  records: number;
  /** Records skipped because they could not be decoded (also dead-lettered). */
  decodeErrors: number;
  /** Records dead-lettered (undecodable, invalid, or failing on their own). */
  deadLetters: number;
  /** Failed attempts (read, process or commit) that were retried. */
  failures: number;
  /** Times the loop crashed and was restarted from the last committed checkpoint. */
  restarts: number;
  /** Message of the latest failure, until the next success. */
  lastError: string | undefined;
  /** Epoch ms of the latest commit. */
  lastCommitAt: number | undefined;
}

/** A loop's counters before its first batch. */
export function newLoopStats(group: string): LoopStats {
  return {
    group,
    batches: 0,
    records: 0,
    decodeErrors: 0,
    deadLetters: 0,
    failures: 0,
    restarts: 0,
    lastError: undefined,
    lastCommitAt: undefined,
  };
}

/** A record decoded but refused by its rules; dead-lettered with its decoded form. */
export class InvalidRecordError extends Error {
  override name = 'InvalidRecordError';
  constructor(
    readonly record: unknown,
    errors: readonly string[],
  ) {
    super(`invalid record: ${errors.join('; ')}`);
  }
}

/** A record on its way to the dead letters. */
export interface Rejected {
  raw: StreamRecord;
  /** Its decoded form, undefined when it could not be decoded. */
  decoded: unknown;
  reason: string;
}

/** What a consumer of the stream plugs into the loop. */
export interface ConsumerSink<R> {
  /** Decodes one record (`record` is where it came from); throws InvalidRecordError or anything else (undecodable). */
  decode(data: Uint8Array, record: StreamRecord): R;
  /** Applies the records of a batch (idempotently: a part may be applied more than once). */
  process(values: readonly R[], batch: Batch): Promise<void>;
  /** A failure that retrying cannot fix: bisect at once. */
  isPermanent(err: unknown): boolean;
  /** Stores dead letters durably (the loop retries it); without it they are only logged. */
  deadLetter?(entries: readonly Rejected[]): Promise<void>;
  /** A sink that holds records past `process`; without it a batch is committed once processed. */
  durable?: DurableSink;
}

/** What a failed attempt was doing. */
export type LoopStage = 'open' | 'read' | 'dead-letter' | 'process' | 'prepare' | 'commit';

/** Told about what the loop does, for metrics. Must not throw. */
export interface LoopHooks {
  failure?(stage: LoopStage): void;
  restart?(): void;
  deadLettered?(n: number): void;
  /** A batch of `records` applied records committed; the commit took `seconds`. */
  committed?(records: number, seconds: number): void;
}

/** The message of anything thrown: sinks may throw null, strings or plain objects. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return `non-error thrown: ${typeof err === 'string' ? err : JSON.stringify(err)}`;
  } catch {
    return `non-error thrown: ${String(err)}`;
  }
}
