/**
 * The lake sink of one source on the shared consumer loop (stream/consumer/consumer-loop.ts):
 * buffers its records per partition and shard, writes the tables of its source as
 * Parquet, and reports what it still holds so the loop commits a batch once every record
 * of it is durable. See lake-writer.ts for the rules.
 *
 * On a leased consumer (scale-out, docs/scale-out.md) each file is named with the lease
 * epoch its records were read under and published only after the lease store confirms the
 * shard is still held at that epoch; a refused check (or commit, or a read under a newer
 * lease) is a FencedError, on which the loop calls `fenced`: what is buffered is dropped
 * and reading goes on from the checkpoints of the shards still held. Before the shards
 * read change, the loop has everything buffered written and committed (`drain`).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backoffDelay, type RetryPolicy, sleep } from '../ops/backoff.js';
import type { Logger } from '../ops/logger.js';
import {
  type ConsumerSink,
  InvalidRecordError,
  type Rejected,
} from '../stream/consumer/consumer-loop.js';
import type { DurableSink } from '../stream/consumer/durable-sink.js';
import { FencedError } from '../stream/lease/lease-store.js';
import type { AppendRecord, Batch, Consumer, StreamRecord } from '../stream/stream.js';
import type { Catalog } from './catalog/catalog.js';
import { lakeDeadLetter } from './lake-dead-letter.js';
import { fileKey, VENDOR_NAME } from './lake-layout.js';
import type { LakeMetrics } from './lake-metrics.js';
import { type DecodedInput, SOURCE_DECODERS } from './lake-sources.js';
import type { ObjectStore } from './object-store/object-store.js';
import type { ParquetOutput, ParquetWriter } from './parquet-writer.js';
import { type OpenFile, PartitionBuffers } from './partition-buffers.js';
import { ShardLeases } from './shard-leases.js';
import { type LakeSource, type LakeTable, SOURCE_TABLES } from './tables.js';
import { unstoredGroups } from './unstored-groups.js';
import { type UnwritableRecord, writeSkippingBad } from './write-skipping-bad.js';

/** Pause before retrying a failed read, write or commit. */
const RETRY_MS = 1000;
/** Delays between attempts of a failing file, read or commit: from RETRY_MS, doubling to 10 s. */
export const LAKE_RETRY: RetryPolicy = { initialDelayMs: RETRY_MS, maxDelayMs: 10_000 };
/** While a failure persists, one log line per this many attempts (and the first). */
const LOG_EVERY = 10;
/** Closed files written at once. */
const WRITE_AHEAD = 3;
/** Closed files waiting (written or not) beyond which the loop stops reading. */
const MAX_CLOSED = 8;

/** Counters of one source (and, summed, of the whole writer). */
export interface SourceCounters {
  /** Records now held durably in the lake (including ones a replay found already stored). */
  records: number;
  /** Files written (each table's file counts once). */
  files: number;
  /** Epoch ms of the last file written. */
  lastFileAt?: number;
  /** Records taken from the stream (first delivery only). */
  read: number;
  /** Records that could not be decoded, placed or written; skipped (and dead-lettered when possible). */
  badRecords: number;
}

/** What the loops of one lake writer share. */
export interface SharedLakeState {
  readonly store: ObjectStore;
  readonly catalog: Catalog;
  readonly stagingDir: string;
  readonly rotateMs: number;
  readonly rotateBytes: number;
  /** Cap of the bytes held in open files (PartitionBuffers). */
  readonly maxOpenBytes: number;
  readonly now: () => number;
  /** Shared by the loops; its calls may overlap. */
  readonly parquet: ParquetWriter;
  /** Saves the catalog if it changed (serialised between loops). */
  saveCatalog(): Promise<void>;
  /** Appends dead letters (deduplicated by id); undefined when there is no dead-letter stream. */
  readonly appendDeadLetters: ((records: AppendRecord[]) => Promise<void>) | undefined;
  nextStagingName(table: LakeTable): string;
  /** Prometheus metrics; none when undefined. */
  readonly metrics?: LakeMetrics;
}

/** A record of a batch as the sink takes it: decoded and placed, with where it came from. */
export interface LakeItem {
  readonly shard: number;
  readonly seq: number;
  /** Stream bytes of the record. */
  readonly size: number;
  readonly decoded: DecodedInput;
}

/** The lake sink of one source. */
export class SourceWriter implements ConsumerSink<LakeItem>, DurableSink {
  readonly durable: DurableSink = this;
  private buffers: PartitionBuffers;
  /** Closed files being written, with the promise that settles when the attempt ends. */
  private readonly writing = new Map<OpenFile, Promise<void>>();
  /** Records found unwritable while writing, appended before the next commit. */
  private readonly deadLetters: AppendRecord[] = [];
  /** Highest seq counted as read, by shard (`read` counts a first delivery only). */
  private readonly readTo = new Map<number, number>();
  readonly counters: SourceCounters = { records: 0, files: 0, read: 0, badRecords: 0 };
  private consumer: Consumer | undefined;
  /** Set at stop: failed files are tried again at once, not after their backoff. */
  private stopping = false;
  /** Leased consumers only: the leases the buffered records were read under. */
  private leases = new ShardLeases();
  /** Set when a publish or read was refused by the lease; handled by `fenced`. */
  private fencedBy: FencedError | undefined;
  /** What was refused: a file's `publish`, or a `read` under a newer lease. */
  private fencedAt: 'publish' | 'read' = 'publish';

  constructor(
    readonly source: LakeSource,
    private readonly shared: SharedLakeState,
    private readonly log: Logger,
  ) {
    this.buffers = this.newBuffers();
  }

  private newBuffers(): PartitionBuffers {
    return new PartitionBuffers(
      this.shared.rotateMs,
      this.shared.rotateBytes,
      this.shared.maxOpenBytes,
    );
  }

  /** Decodes and places a record; a record the lake cannot place is InvalidRecordError. */
  decode(data: Uint8Array, rec: StreamRecord): LakeItem {
    if (rec.seq > (this.readTo.get(rec.shard) ?? -1)) {
      this.readTo.set(rec.shard, rec.seq);
      this.counters.read++;
    }
    const decoded = SOURCE_DECODERS[this.source](data);
    if (!VENDOR_NAME.test(decoded.vendor))
      throw new InvalidRecordError(undefined, [
        `vendor "${decoded.vendor}" is not a valid vendor name`,
      ]);
    if (!Number.isFinite(decoded.timeMs))
      throw new InvalidRecordError(undefined, [
        'the record has no valid instant to partition it by',
      ]);
    return { shard: rec.shard, seq: rec.seq, size: data.length, decoded };
  }

  /**
   * Buffers the records (a record already buffered is skipped, so a part applied twice
   * adds nothing). Throws FencedError when the batch was read under another lease than
   * what is buffered of its shards (they changed hands meanwhile).
   */
  async process(items: readonly LakeItem[], batch: Batch): Promise<void> {
    const epochs = this.consumer?.epochsOf?.(batch);
    const moved = epochs && this.leases.note(batch.records, epochs);
    if (moved !== undefined) {
      this.fence(new FencedError(`shard ${moved} changed hands`, [moved]), 'read');
      throw this.fencedBy;
    }
    const now = this.shared.now();
    for (const item of items) {
      if (!this.buffers.firstDelivery(item.shard, item.seq)) continue;
      const { input, vendor, timeMs } = item.decoded;
      this.buffers.add(
        { shard: item.shard, seq: item.seq, ...input },
        vendor,
        timeMs,
        item.size,
        now,
      );
    }
  }

  /** Nothing the lake does to a record is worth bisecting a batch for (writes bisect themselves). */
  isPermanent(): boolean {
    return false;
  }

  /**
   * Skips records the lake cannot decode or place with a log line and, unless they are
   * themselves dead letters, appends them to the dead-letter stream (id
   * `lake-<source>-<shard>-<seq>`, so a replay adds nothing).
   */
  async deadLetter(entries: readonly Rejected[]): Promise<void> {
    const { appendDeadLetters } = this.shared;
    if (this.source !== 'deadLetters' && appendDeadLetters)
      await appendDeadLetters(
        entries.map((e) =>
          lakeDeadLetter(
            this.source,
            e.raw,
            new Date(e.raw.timestamp ?? this.shared.now()),
            e.reason,
            e.raw.data,
          ),
        ),
      );
    for (const e of entries) this.skipped(e.raw, e.reason);
  }

  async start(consumer: Consumer): Promise<void> {
    while (this.writing.size > 0) await Promise.allSettled([...this.writing.values()]);
    this.consumer = consumer;
    this.buffers = this.newBuffers();
    this.leases = new ShardLeases();
    this.deadLetters.length = 0;
    this.fencedBy = undefined;
    this.stopping = false;
  }

  async advance(signal: AbortSignal): Promise<void> {
    this.buffers.closeDue(this.shared.now());
    this.startWrites();
    // Backpressure: reading on while files wait (or keep failing) would buffer without bound.
    while (this.buffers.closed.length > MAX_CLOSED && !signal.aborted && !this.fencedBy) {
      if (this.writing.size > 0) await Promise.race(this.writing.values());
      else {
        await sleep(RETRY_MS, signal);
        this.startWrites();
      }
    }
    this.throwIfFenced();
  }

  heldFrom(shard: number): number | undefined {
    return this.buffers.firstBuffered(shard);
  }

  async prepareCommit(): Promise<void> {
    this.throwIfFenced();
    if (this.deadLetters.length > 0 && this.shared.appendDeadLetters) {
      try {
        await this.shared.appendDeadLetters(this.deadLetters);
        this.deadLetters.length = 0;
      } catch (err) {
        this.shared.metrics?.failures.inc({ source: this.source, stage: 'dead_letters' });
        this.log.error('appending dead letters failed', { error: (err as Error).message });
        throw err;
      }
    }
    try {
      await this.shared.saveCatalog();
    } catch (err) {
      this.shared.metrics?.failures.inc({ source: this.source, stage: 'catalog' });
      this.log.error('saving the catalog failed', { error: (err as Error).message });
      throw err;
    }
  }

  async drain(signal: AbortSignal): Promise<void> {
    this.buffers.closeAll();
    while (!signal.aborted && !this.fencedBy && this.buffers.closed.length > 0) {
      this.startWrites();
      if (this.writing.size > 0) await Promise.race(this.writing.values());
      else await sleep(RETRY_MS, signal);
    }
    this.throwIfFenced();
  }

  /**
   * At stop: gives every closed file one more attempt (earlier failures included) and
   * waits for all; a file that fails now is an error of the stop. Once `deadline` aborts
   * no further file is started: the files left unwritten hold records the loop does not
   * commit, so the stream delivers them again after a restart.
   */
  async flush(deadline?: AbortSignal): Promise<void> {
    const started = performance.now();
    this.stopping = true;
    this.buffers.closeAll();
    const files = this.buffers.closed.length;
    await Promise.all(this.writing.values());
    const { closed } = this.buffers;
    for (const f of closed) f.failure = undefined;
    while (closed.length > 0 && !this.fencedBy && !deadline?.aborted) {
      this.startWrites();
      await Promise.all(this.writing.values());
      const failed = closed.find((f) => f.failure !== undefined);
      if (failed && !this.fencedBy) throw failed.failure;
    }
    this.throwIfFenced();
    if (files > 0)
      this.log.info('stop flush', {
        source: this.source,
        files,
        written: files - closed.length,
        ms: Math.round(performance.now() - started),
      });
    if (closed.length > 0)
      this.log.warn('stop flush cut short by its deadline; the stream delivers the rest again', {
        source: this.source,
        filesLeft: closed.length,
        recordsLeft: closed.reduce((n, f) => n + f.inputs.length, 0),
      });
  }

  /**
   * The lease refused a publish, a read or a commit: the shards named moved to another
   * process, which writes them again from the checkpoint. Drops everything buffered
   * (files already published under a lease still held count as written: same epoch).
   */
  async fenced(err: FencedError): Promise<void> {
    const at = this.fencedBy ? this.fencedAt : 'commit';
    while (this.writing.size > 0) await Promise.allSettled([...this.writing.values()]);
    this.log.warn('lake writes fenced: the shards moved to another process', {
      source: this.source,
      shards: err.shards.join(','),
      at,
      droppedFiles: this.buffers.closed.length,
    });
    this.shared.metrics?.fenced.inc({ source: this.source, at });
    this.leases.forget(err.shards);
    this.buffers = this.newBuffers();
    this.fencedBy = undefined;
  }

  private fence(err: FencedError, at: SourceWriter['fencedAt']): void {
    if (this.fencedBy) return;
    this.fencedBy = err;
    this.fencedAt = at;
  }

  private throwIfFenced(): void {
    if (this.fencedBy) throw this.fencedBy;
  }

  /** Counts and logs a record skipped as one the lake cannot store. */
  private skipped(rec: { shard: number; seq: number }, reason: string): void {
    this.counters.badRecords++;
    this.shared.metrics?.badRecords.inc({ source: this.source });
    this.log.warn('skipping a record the lake cannot store', {
      source: this.source,
      shard: rec.shard,
      seq: rec.seq,
      reason,
    });
  }

  /**
   * A record found unwritable while writing a file: skipped, and queued for the
   * dead-letter stream (appended before the next commit) unless it is itself a dead letter.
   */
  private reject(bad: UnwritableRecord): void {
    this.skipped(bad, bad.reason);
    if (this.source === 'deadLetters' || !this.shared.appendDeadLetters) return;
    const at = new Date(this.shared.now());
    this.deadLetters.push(
      lakeDeadLetter(this.source, bad, at, bad.reason, bad.body, bad.vendor ?? 'unknown'),
    );
  }

  /**
   * Starts writing closed files in the background, WRITE_AHEAD at a time: the loop goes
   * on reading and staging while DuckDB encodes, and one file's staging (JavaScript)
   * overlaps another's Parquet encoding (DuckDB's threads). A written file leaves
   * `closed`; a failed one stays and is tried again after a backoff (LAKE_RETRY). A batch is committed
   * only once no closed file holds any of its records (`heldFrom`), so the checkpoint
   * still moves only past durable files.
   */
  private startWrites(): void {
    const now = this.shared.now();
    const buffers = this.buffers;
    for (const file of buffers.closed) {
      if (this.writing.size >= WRITE_AHEAD || this.fencedBy) return;
      if (this.writing.has(file) || (!this.stopping && (file.retryAt ?? 0) > now)) continue;
      file.failure = undefined;
      const attempt = this.write(file).then(
        () => {
          buffers.written(file);
          if (file.attempts)
            this.log.info('lake file written after failures', {
              partition: file.key,
              shard: file.shard,
              failedAttempts: file.attempts,
            });
        },
        (err: unknown) => {
          file.failure = err;
          if (err instanceof FencedError) {
            this.fence(err, 'publish');
            return;
          }
          this.shared.metrics?.failures.inc({ source: this.source, stage: 'write' });
          file.attempts = (file.attempts ?? 0) + 1;
          const inMs = backoffDelay(file.attempts, LAKE_RETRY);
          file.retryAt = this.shared.now() + inMs;
          if (file.attempts === 1 || file.attempts % LOG_EVERY === 0)
            this.log.error('writing lake file failed, retrying', {
              source: this.source,
              partition: file.key,
              shard: file.shard,
              attempt: file.attempts,
              inMs,
              error: (err as Error).message,
            });
        },
      );
      this.writing.set(
        file,
        attempt.finally(() => {
          this.writing.delete(file);
          // a slot is free: the next file need not wait for the next read
          if (!this.stopping) this.startWrites();
        }),
      );
    }
  }

  private async write(file: OpenFile): Promise<void> {
    const { catalog, store, metrics } = this.shared;
    const endTimer = metrics?.writeSeconds.startTimer({ source: this.source });
    const epoch = this.leases.epochOf(file.shard);
    const consumer = this.consumer;
    let skipped = 0;
    for (const { inputs, tables } of await unstoredGroups(
      store,
      SOURCE_TABLES[this.source],
      file,
      this.leases.relyOn(file.shard),
    )) {
      const range = {
        shard: file.shard,
        first: inputs[0]!.seq,
        last: inputs[inputs.length - 1]!.seq,
        ...(epoch === undefined ? {} : { epoch }),
      };
      const outputs: ParquetOutput[] = tables.map((table) => ({
        table,
        path: this.shared.nextStagingName(table),
      }));
      const { columns, skipped: bad } = await writeSkippingBad(
        this.shared.parquet,
        inputs,
        outputs,
        (b) => this.reject(b),
      );
      skipped += bad;
      for (const out of outputs) {
        const key = fileKey(out.table, file.partition, range);
        const bytes = metrics ? (await fs.stat(out.path)).size : 0;
        // The publish: only while this process still holds the shard at that epoch.
        if (epoch !== undefined)
          await consumer?.checkFence?.(new Map([[file.shard, epoch]])).catch(async (err) => {
            await Promise.all(outputs.map((o) => fs.rm(o.path, { force: true })));
            throw err;
          });
        await store.putFile(key, out.path);
        metrics?.files.inc({ source: this.source, table: out.table });
        metrics?.bytes.inc({ source: this.source, table: out.table }, bytes);
        catalog.noteSchema(out.table, columns.get(out.table)!);
        this.counters.files++;
        this.counters.lastFileAt = this.shared.now();
        this.log.debug('wrote lake file', { key, records: inputs.length });
      }
    }
    // Noted once the files are stored: a catalog saved meanwhile never names a partition
    // whose file is not there yet.
    for (const table of SOURCE_TABLES[this.source]) catalog.notePartition(table, file.partition);
    this.counters.records += file.inputs.length - skipped;
    metrics?.records.inc({ source: this.source }, file.inputs.length - skipped);
    endTimer?.();
  }
}

/** Names a staging file; exported for the writer's shared state. */
export function stagingName(dir: string, n: number, table: LakeTable): string {
  return path.join(dir, `${process.pid}-${n}-${table}.parquet`);
}
