/**
 * One consumer loop of the lake writer: reads one stream (group `lake`), buffers its
 * records per partition and shard, writes the tables of its source as Parquet, and
 * commits a batch once every record of it is durable. See lake-writer.ts for the rules.
 *
 * On a leased consumer (scale-out, docs/scale-out.md) each file is named with the lease
 * epoch its records were read under and published only after the lease store confirms the
 * shard is still held at that epoch; a refused check or commit (FencedError) drops what
 * is buffered and pending, and reading goes on from the checkpoints of the shards still
 * held. Before the shards read change, everything buffered is written and committed.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backoffDelay, type RetryPolicy } from '../ops/backoff.js';
import type { Logger } from '../ops/logger.js';
import { FencedError } from '../stream/lease/lease-store.js';
import type { AppendRecord, Batch, Consumer } from '../stream/stream.js';
import type { Catalog } from './catalog/catalog.js';
import { lakeDeadLetter } from './lake-dead-letter.js';
import { fileKey, VENDOR_NAME } from './lake-layout.js';
import type { LakeMetrics } from './lake-metrics.js';
import { SOURCE_DECODERS } from './lake-sources.js';
import type { ObjectStore } from './object-store/object-store.js';
import type { ParquetOutput, ParquetWriter } from './parquet-writer.js';
import { type OpenFile, PartitionBuffers } from './partition-buffers.js';
import { ShardLeases } from './shard-leases.js';
import { type LakeSource, type LakeTable, SOURCE_TABLES } from './tables.js';
import { unstoredGroups } from './unstored-groups.js';
import { writeSkippingBad } from './write-skipping-bad.js';

/** Pause before retrying a failed read, write or commit. */
const RETRY_MS = 1000;
/** Delays between attempts of a failing file or read: from RETRY_MS, doubling to 10 s. */
const RETRY: RetryPolicy = { initialDelayMs: RETRY_MS, maxDelayMs: 10_000 };
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

/** The consumer loop of one source. `stop()` flushes every buffer, commits, and resolves. */
export class SourceWriter {
  private buffers: PartitionBuffers;
  /** Closed files being written, with the promise that settles when the attempt ends. */
  private readonly writing = new Map<OpenFile, Promise<void>>();
  private readonly pending: Batch[] = [];
  private readonly deadLetters: AppendRecord[] = [];
  private readonly abort = new AbortController();
  readonly counters: SourceCounters = { records: 0, files: 0, read: 0, badRecords: 0 };
  private stopping = false;
  private done: Promise<void> = Promise.resolve();
  /** Leased consumers only: the leases the buffered records were read under. */
  private readonly leases = new ShardLeases();
  /** Set when a publish or commit was refused by the lease; handled by `afterFence`. */
  private fencedBy: FencedError | undefined;
  /** What was refused: a file's `publish`, a `commit`, or a `read` under a newer lease. */
  private fencedAt: 'publish' | 'commit' | 'read' = 'commit';

  constructor(
    readonly source: LakeSource,
    private readonly consumer: Consumer,
    private readonly shared: SharedLakeState,
    private readonly log: Logger,
  ) {
    this.buffers = new PartitionBuffers(shared.rotateMs, shared.rotateBytes, shared.maxOpenBytes);
  }

  start(): void {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    let readFailures = 0;
    try {
      while (!this.stopping) {
        if (this.consumer.rebalancing?.()) await this.drain();
        if (this.fencedBy) {
          await this.afterFence();
          continue;
        }
        let batch: Batch;
        try {
          batch = await this.consumer.read(this.abort.signal);
          if (readFailures > 0)
            this.log.info('stream readable again', { failedAttempts: readFailures });
          readFailures = 0;
        } catch (err) {
          if (this.stopping) break;
          readFailures++;
          this.shared.metrics?.failures.inc({ source: this.source, stage: 'read' });
          const inMs = backoffDelay(readFailures, RETRY);
          if (readFailures === 1 || readFailures % LOG_EVERY === 0)
            this.log.error('stream read failed, retrying', {
              attempt: readFailures,
              inMs,
              error: (err as Error).message,
            });
          await this.sleep(inMs);
          continue;
        }
        this.take(batch);
        this.buffers.closeDue(this.shared.now());
        this.startWrites();
        await this.commitReady();
        // Backpressure: reading on while files wait (or keep failing) would buffer without bound.
        while (this.buffers.closed.length > MAX_CLOSED && !this.stopping && !this.fencedBy) {
          if (this.writing.size > 0) await Promise.race(this.writing.values());
          else {
            await this.sleep(RETRY_MS);
            this.startWrites();
          }
        }
      }
      this.buffers.closeAll();
      await this.flushClosed();
      await this.commitReady();
      if (this.fencedBy) await this.afterFence();
    } finally {
      await this.consumer.close();
    }
  }

  /**
   * Writes every buffered record and commits every pending batch (before the shards read
   * change), retrying failed files after their backoff; returns early when stopping or fenced.
   */
  private async drain(): Promise<void> {
    this.buffers.closeAll();
    while (!this.stopping && !this.fencedBy) {
      if (this.buffers.closed.length === 0 && this.pending.length === 0) return;
      this.startWrites();
      if (this.writing.size > 0) await Promise.race(this.writing.values());
      const before = this.pending.length;
      await this.commitReady();
      if (this.writing.size === 0 && this.pending.length === before && !this.fencedBy)
        await this.sleep(RETRY_MS);
    }
  }

  /**
   * The lease refused a publish or a commit: the shards named moved to another process,
   * which writes them again from the checkpoint. Drops everything buffered and pending
   * (files already published under a lease still held count as written: same epoch) and
   * reads on from the checkpoints of the shards still held.
   */
  private async afterFence(): Promise<void> {
    const err = this.fencedBy!;
    while (this.writing.size > 0) await Promise.allSettled([...this.writing.values()]);
    this.log.warn('lake writes fenced: the shards moved to another process', {
      source: this.source,
      shards: err.shards.join(','),
      at: this.fencedAt,
      droppedFiles: this.buffers.closed.length,
      droppedBatches: this.pending.length,
    });
    this.shared.metrics?.fenced.inc({ source: this.source, at: this.fencedAt });
    this.leases.forget(err.shards);
    this.buffers = new PartitionBuffers(
      this.shared.rotateMs,
      this.shared.rotateBytes,
      this.shared.maxOpenBytes,
    );
    this.pending.length = 0;
    this.fencedBy = undefined;
    this.consumer.reset();
  }

  private fence(err: FencedError, at: SourceWriter['fencedAt']): void {
    if (this.fencedBy) return;
    this.fencedBy = err;
    this.fencedAt = at;
  }

  private take(batch: Batch): void {
    if (batch.records.length === 0) return;
    const epochs = this.consumer.epochsOf?.(batch);
    const moved = epochs && this.leases.note(batch.records, epochs);
    if (moved !== undefined) {
      // Read under another lease than what is buffered: start over from the checkpoints.
      this.fence(new FencedError(`shard ${moved} changed hands`, [moved]), 'read');
      return;
    }
    this.pending.push(batch);
    const now = this.shared.now();
    for (const rec of batch.records) {
      if (!this.buffers.firstDelivery(rec.shard, rec.seq)) continue;
      this.counters.read++;
      let decoded: ReturnType<(typeof SOURCE_DECODERS)[LakeSource]>;
      try {
        decoded = SOURCE_DECODERS[this.source](rec.data);
      } catch (err) {
        this.reject(rec, `undecodable: ${(err as Error).message}`, rec.data);
        continue;
      }
      if (!VENDOR_NAME.test(decoded.vendor)) {
        this.reject(rec, `vendor "${decoded.vendor}" is not a valid vendor name`, rec.data);
        continue;
      }
      if (!Number.isFinite(decoded.timeMs)) {
        this.reject(rec, 'the record has no valid instant to partition it by', rec.data);
        continue;
      }
      this.buffers.add(
        { shard: rec.shard, seq: rec.seq, ...decoded.input },
        decoded.vendor,
        decoded.timeMs,
        rec.data.length,
        now,
      );
    }
  }

  /**
   * Skips a record with a log line and, unless it is itself a dead letter, queues it for
   * the dead-letter stream (id `lake-<source>-<shard>-<seq>`, so a replay adds nothing).
   */
  private reject(
    rec: { shard: number; seq: number; timestamp?: number },
    reason: string,
    body: Uint8Array,
    vendor = 'unknown',
  ): void {
    this.counters.badRecords++;
    this.shared.metrics?.badRecords.inc({ source: this.source });
    this.log.warn('skipping a record the lake cannot store', {
      source: this.source,
      shard: rec.shard,
      seq: rec.seq,
      reason,
    });
    if (this.source === 'deadLetters' || !this.shared.appendDeadLetters) return;
    const at = new Date(rec.timestamp ?? this.shared.now());
    this.deadLetters.push(lakeDeadLetter(this.source, rec, at, reason, body, vendor));
  }

  /**
   * Starts writing closed files in the background, WRITE_AHEAD at a time: the loop goes
   * on reading and staging while DuckDB encodes, and one file's staging (JavaScript)
   * overlaps another's Parquet encoding (DuckDB's threads). A written file leaves
   * `closed`; a failed one stays and is tried again after a backoff (RETRY). A batch is committed
   * only once no closed file holds any of its records (commitReady), so the checkpoint
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
          const inMs = backoffDelay(file.attempts, RETRY);
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

  /**
   * At stop: gives every closed file one more attempt (earlier failures included) and
   * waits for all; a file that fails now is an error of the stop.
   */
  private async flushClosed(): Promise<void> {
    await Promise.all(this.writing.values());
    const { closed } = this.buffers;
    for (const f of closed) f.failure = undefined;
    while (closed.length > 0 && !this.fencedBy) {
      this.startWrites();
      await Promise.all(this.writing.values());
      const failed = closed.find((f) => f.failure !== undefined);
      if (failed && !this.fencedBy) throw failed.failure;
    }
  }

  private async write(file: OpenFile): Promise<void> {
    const { catalog, store, metrics } = this.shared;
    const endTimer = metrics?.writeSeconds.startTimer({ source: this.source });
    const epoch = this.leases.epochOf(file.shard);
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
        (b) => this.reject({ ...b, timestamp: this.shared.now() }, b.reason, b.body, b.vendor),
      );
      skipped += bad;
      for (const out of outputs) {
        const key = fileKey(out.table, file.partition, range);
        const bytes = metrics ? (await fs.stat(out.path)).size : 0;
        // The publish: only while this process still holds the shard at that epoch.
        if (epoch !== undefined)
          await this.consumer.checkFence?.(new Map([[file.shard, epoch]])).catch(async (err) => {
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

  private async commitReady(): Promise<void> {
    if (this.pending.length === 0) return;
    if (this.deadLetters.length > 0 && this.shared.appendDeadLetters) {
      try {
        await this.shared.appendDeadLetters(this.deadLetters);
        this.deadLetters.length = 0;
      } catch (err) {
        this.shared.metrics?.failures.inc({ source: this.source, stage: 'dead_letters' });
        this.log.error('appending dead letters failed', { error: (err as Error).message });
        if (this.stopping) throw err;
        return;
      }
    }
    try {
      await this.shared.saveCatalog();
    } catch (err) {
      this.shared.metrics?.failures.inc({ source: this.source, stage: 'catalog' });
      this.log.error('saving the catalog failed', { error: (err as Error).message });
      if (this.stopping) throw err;
      return;
    }
    while (this.pending.length > 0) {
      const batch = this.pending[0]!;
      for (const [shard, last] of batch.lastSeq) {
        const first = this.buffers.firstBuffered(shard);
        if (first !== undefined && first <= last) return;
      }
      const endTimer = this.shared.metrics?.commitSeconds.startTimer({ source: this.source });
      try {
        await this.consumer.commit(batch);
        endTimer?.();
      } catch (err) {
        if (err instanceof FencedError) {
          this.fence(err, 'commit');
          return;
        }
        this.shared.metrics?.failures.inc({ source: this.source, stage: 'commit' });
        this.log.error('stream commit failed', { error: (err as Error).message });
        if (this.stopping) throw err;
        return;
      }
      this.pending.shift();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** Names a staging file; exported for the writer's shared state. */
export function stagingName(dir: string, n: number, table: LakeTable): string {
  return path.join(dir, `${process.pid}-${n}-${table}.parquet`);
}
