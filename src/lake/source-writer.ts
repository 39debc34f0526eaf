/**
 * One consumer loop of the lake writer: reads one stream (group `lake`), buffers its
 * records per partition and shard, writes the tables of its source as Parquet, and
 * commits a batch once every record of it is durable. See lake-writer.ts for the rules.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { deadLetterOf, encodeDeadLetter } from '../model/dead-letter.js';
import { backoffDelay, type RetryPolicy } from '../ops/backoff.js';
import type { Logger } from '../ops/logger.js';
import type { AppendRecord, Batch, Consumer } from '../stream/stream.js';
import type { Catalog } from './catalog/catalog.js';
import { listPartitions } from './compaction/visible-files.js';
import { peekShopping } from './duckdb/shopping-staging.js';
import { ParquetWriteError } from './errors.js';
import {
  fileKey,
  type Partition,
  partitionOf,
  partitionPrefix,
  VENDOR_NAME,
} from './lake-layout.js';
import { SOURCE_DECODERS } from './lake-sources.js';
import type { ObjectStore } from './object-store/object-store.js';
import type { LakeInput, ParquetOutput, ParquetWriter } from './parquet-writer.js';
import { type LakeColumn, type LakeSource, type LakeTable, SOURCE_TABLES } from './tables.js';
import { uncoveredRuns } from './uncovered-runs.js';

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
  readonly now: () => number;
  /** Shared by the loops; its calls may overlap. */
  readonly parquet: ParquetWriter;
  /** Saves the catalog if it changed (serialised between loops). */
  saveCatalog(): Promise<void>;
  /** Appends dead letters (deduplicated by id); undefined when there is no dead-letter stream. */
  readonly appendDeadLetters: ((records: AppendRecord[]) => Promise<void>) | undefined;
  nextStagingName(table: LakeTable): string;
}

interface OpenFile {
  readonly shard: number;
  readonly partition: Partition;
  readonly key: string;
  readonly window: number;
  readonly inputs: LakeInput[];
  bytes: number;
  lastArrival: number;
  /** After a failed write: when to try again, and why it failed. */
  retryAt?: number;
  failure?: unknown;
  /** Consecutive failed writes. */
  attempts?: number;
}

interface ShardState {
  lastSeq: number;
  watermark: number;
  readonly open: Map<string, OpenFile>;
}

/** The consumer loop of one source. `stop()` flushes every buffer, commits, and resolves. */
export class SourceWriter {
  private readonly shards = new Map<number, ShardState>();
  private readonly closed: OpenFile[] = [];
  /** Closed files being written, with the promise that settles when the attempt ends. */
  private readonly writing = new Map<OpenFile, Promise<void>>();
  private readonly pending: Batch[] = [];
  private readonly deadLetters: AppendRecord[] = [];
  private readonly abort = new AbortController();
  readonly counters: SourceCounters = { records: 0, files: 0, read: 0, badRecords: 0 };
  private stopping = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    readonly source: LakeSource,
    private readonly consumer: Consumer,
    private readonly shared: SharedLakeState,
    private readonly log: Logger,
  ) {}

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
        let batch: Batch;
        try {
          batch = await this.consumer.read(this.abort.signal);
          if (readFailures > 0)
            this.log.info('stream readable again', { failedAttempts: readFailures });
          readFailures = 0;
        } catch (err) {
          if (this.stopping) break;
          readFailures++;
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
        this.closeIdle();
        this.startWrites();
        await this.commitReady();
        // Backpressure: reading on while files wait (or keep failing) would buffer without bound.
        while (this.closed.length > MAX_CLOSED && !this.stopping) {
          if (this.writing.size > 0) await Promise.race(this.writing.values());
          else {
            await this.sleep(RETRY_MS);
            this.startWrites();
          }
        }
      }
      for (const st of this.shards.values()) for (const f of st.open.values()) this.close(f);
      await this.flushClosed();
      await this.commitReady();
    } finally {
      await this.consumer.close();
    }
  }

  private shard(shard: number): ShardState {
    let st = this.shards.get(shard);
    if (!st) {
      st = { lastSeq: -1, watermark: Number.NEGATIVE_INFINITY, open: new Map() };
      this.shards.set(shard, st);
    }
    return st;
  }

  private take(batch: Batch): void {
    if (batch.records.length === 0) return;
    this.pending.push(batch);
    const now = this.shared.now();
    for (const rec of batch.records) {
      const st = this.shard(rec.shard);
      if (rec.seq <= st.lastSeq) continue;
      st.lastSeq = rec.seq;
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
      const window = Math.floor(decoded.timeMs / this.shared.rotateMs);
      if (window > st.watermark) {
        st.watermark = window;
        for (const f of st.open.values()) if (f.window < window) this.close(f);
      }
      const partition = partitionOf(decoded.vendor, decoded.timeMs);
      const key = `${partition.vendor}/${partition.dt}/${partition.hour}`;
      let file = st.open.get(key);
      if (!file) {
        file = {
          shard: rec.shard,
          partition,
          key,
          window: st.watermark,
          inputs: [],
          bytes: 0,
          lastArrival: now,
        };
        st.open.set(key, file);
      }
      file.inputs.push({ shard: rec.shard, seq: rec.seq, ...decoded.input });
      file.bytes += rec.data.length;
      file.lastArrival = now;
      if (file.bytes >= this.shared.rotateBytes) this.close(file);
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
    this.log.warn('skipping a record the lake cannot store', {
      source: this.source,
      shard: rec.shard,
      seq: rec.seq,
      reason,
    });
    if (this.source === 'deadLetters' || !this.shared.appendDeadLetters) return;
    const id = `lake-${this.source}-${rec.shard}-${rec.seq}`;
    const at = new Date(rec.timestamp ?? this.shared.now());
    const letter = deadLetterOf(
      id,
      VENDOR_NAME.test(vendor) ? vendor : 'unknown',
      at,
      [{ index: -1, reason }],
      Buffer.from(body),
      this.source === 'shopping' ? 'application/avro' : 'application/json',
      'lake',
    );
    this.deadLetters.push({
      key: letter.vendor,
      id,
      data: encodeDeadLetter(letter),
      timestamp: at.getTime(),
    });
  }

  private close(file: OpenFile): void {
    this.shard(file.shard).open.delete(file.key);
    this.closed.push(file);
  }

  private closeIdle(): void {
    const now = this.shared.now();
    for (const st of this.shards.values())
      for (const f of st.open.values())
        if (now - f.lastArrival > this.shared.rotateMs) this.close(f);
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
    for (const file of this.closed) {
      if (this.writing.size >= WRITE_AHEAD) return;
      if (this.writing.has(file) || (!this.stopping && (file.retryAt ?? 0) > now)) continue;
      file.failure = undefined;
      const attempt = this.write(file).then(
        () => {
          this.closed.splice(this.closed.indexOf(file), 1);
          if (file.attempts)
            this.log.info('lake file written after failures', {
              partition: file.key,
              shard: file.shard,
              failedAttempts: file.attempts,
            });
        },
        (err: unknown) => {
          file.failure = err;
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
    for (const f of this.closed) f.failure = undefined;
    while (this.closed.length > 0) {
      this.startWrites();
      await Promise.all(this.writing.values());
      const failed = this.closed.find((f) => f.failure !== undefined);
      if (failed) throw failed.failure;
    }
  }

  private async write(file: OpenFile): Promise<void> {
    const { catalog, store } = this.shared;
    // Per table, the records no visible file (small or compacted) holds, grouped by range.
    const groups = new Map<string, { inputs: LakeInput[]; tables: LakeTable[] }>();
    for (const table of SOURCE_TABLES[this.source]) {
      const prefix = partitionPrefix(table, file.partition);
      const [part] = await listPartitions(store, prefix);
      const covered = (part?.covered ?? []).filter((r) => r.shard === file.shard);
      for (const run of uncoveredRuns(file.inputs, covered)) {
        const id = `${run[0]!.seq}-${run[run.length - 1]!.seq}`;
        const g = groups.get(id) ?? { inputs: run, tables: [] };
        g.tables.push(table);
        groups.set(id, g);
      }
    }
    let skipped = 0;
    for (const { inputs, tables } of groups.values()) {
      const range = {
        shard: file.shard,
        first: inputs[0]!.seq,
        last: inputs[inputs.length - 1]!.seq,
      };
      const outputs: ParquetOutput[] = tables.map((table) => ({
        table,
        path: this.shared.nextStagingName(table),
      }));
      const { columns, skipped: bad } = await this.writeSkippingBad(inputs, outputs);
      skipped += bad;
      for (const out of outputs) {
        const key = fileKey(out.table, file.partition, range);
        await store.putFile(key, out.path);
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
  }

  /**
   * Writes `inputs`; when the engine rejects the batch, finds the records it rejects on
   * their own (by halving), skips them (dead-lettered) and writes the rest under the same
   * outputs. When every record fails alone the failure is not theirs: it is rethrown
   * (and retried by the caller). Returns the columns written per table.
   */
  private async writeSkippingBad(
    inputs: LakeInput[],
    outputs: ParquetOutput[],
  ): Promise<{ columns: Map<LakeTable, readonly LakeColumn[]>; skipped: number }> {
    const attempt = async (items: readonly LakeInput[], outs: readonly ParquetOutput[]) => {
      const { parquet } = this.shared;
      await parquet.write(items, outs);
      return new Map(outs.map((o) => [o.table, parquet.columns(o.table)] as const));
    };
    const written = async (items: readonly LakeInput[], skipped: number) => ({
      columns: await attempt(items, outputs),
      skipped,
    });
    try {
      return await written(inputs, 0);
    } catch (err) {
      if (!(err instanceof ParquetWriteError)) throw err;
      const scratch = (): ParquetOutput[] =>
        outputs.map((o) => ({ table: o.table, path: `${o.path}.probe` }));
      const works = async (items: readonly LakeInput[]) => {
        const outs = scratch();
        try {
          await attempt(items, outs);
          return true;
        } catch (e) {
          if (!(e instanceof ParquetWriteError)) throw e;
          return false;
        } finally {
          for (const o of outs) await fs.rm(o.path, { force: true });
        }
      };
      const findBad = async (items: LakeInput[]): Promise<LakeInput[]> => {
        if (await works(items)) return [];
        if (items.length === 1) return items;
        const mid = items.length >> 1;
        return [...(await findBad(items.slice(0, mid))), ...(await findBad(items.slice(mid)))];
      };
      const bad = await findBad(inputs);
      if (bad.length === 0) return await written(inputs, 0);
      if (bad.length === inputs.length && (inputs.length > 1 || !(await works([])))) throw err;
      const badSeqs = new Set(bad.map((b) => b.seq));
      for (const b of bad)
        this.reject(
          { shard: b.shard, seq: b.seq, timestamp: this.shared.now() },
          `the lake cannot write this record: ${(err as Error).message.split('\n')[0]}`,
          b.data ?? Buffer.from(JSON.stringify(b.record)),
          b.data ? vendorOf(b.data) : (b.record as { vendor?: string }).vendor,
        );
      return await written(
        inputs.filter((i) => !badSeqs.has(i.seq)),
        bad.length,
      );
    }
  }

  private async commitReady(): Promise<void> {
    if (this.pending.length === 0) return;
    if (this.deadLetters.length > 0 && this.shared.appendDeadLetters) {
      try {
        await this.shared.appendDeadLetters(this.deadLetters);
        this.deadLetters.length = 0;
      } catch (err) {
        this.log.error('appending dead letters failed', { error: (err as Error).message });
        if (this.stopping) throw err;
        return;
      }
    }
    try {
      await this.shared.saveCatalog();
    } catch (err) {
      this.log.error('saving the catalog failed', { error: (err as Error).message });
      if (this.stopping) throw err;
      return;
    }
    while (this.pending.length > 0) {
      const batch = this.pending[0]!;
      for (const [shard, last] of batch.lastSeq) {
        const first = this.firstBuffered(shard);
        if (first !== undefined && first <= last) return;
      }
      try {
        await this.consumer.commit(batch);
      } catch (err) {
        this.log.error('stream commit failed', { error: (err as Error).message });
        if (this.stopping) throw err;
        return;
      }
      this.pending.shift();
    }
  }

  private firstBuffered(shard: number): number | undefined {
    let min: number | undefined;
    const consider = (f: OpenFile) => {
      const s = f.inputs[0]?.seq;
      if (s !== undefined && (min === undefined || s < min)) min = s;
    };
    for (const f of this.shards.get(shard)?.open.values() ?? []) consider(f);
    for (const f of this.closed) if (f.shard === shard) consider(f);
    return min;
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

/** The vendor of shopping bytes, when their head can be read. */
function vendorOf(data: Uint8Array): string | undefined {
  try {
    return peekShopping(data).vendor;
  } catch {
    return undefined;
  }
}

/** Names a staging file; exported for the writer's shared state. */
export function stagingName(dir: string, n: number, table: LakeTable): string {
  return path.join(dir, `${process.pid}-${n}-${table}.parquet`);
}
