/**
 * The lake writer: consumes the shopping stream (group `lake`) and writes the `searches`
 * and `offers` tables as Parquet in the Hive layout, exactly once.
 *
 * - Records are buffered per (vendor, dt, hour) partition and shard. A buffer becomes a
 *   file when the shard's record time (receivedAt) moves into a later window of
 *   `lake.rotateSeconds` (aligned to the epoch), when it reaches `lake.rotateBytes` of
 *   encoded records, or, so a quiet stream still flushes, when the wall clock is more
 *   than `rotateSeconds` past the newest record's arrival in the buffer.
 * - A file is named `<shard>-<firstSeq>-<lastSeq>.parquet` and holds every record of its
 *   partition and shard in that seq range. Before writing, the partition is listed and
 *   records already held by a file are dropped, so a crash or a replay never stores a
 *   record twice, whatever cuts the earlier run made; with record-time cuts a replay
 *   finds exactly the files of the first run.
 * - A stream batch is committed only once all its records, and those of every earlier
 *   batch, are in durable files (or were rejected as undecodable).
 */
import * as path from 'node:path';
import type { Config } from '../config/config.js';
import { decodeRecord } from '../model/codec.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import type { Batch, Consumer, Stream, StreamRecord } from '../stream/stream.js';
import { DuckDBParquetWriter } from './duckdb/duckdb-parquet-writer.js';
import {
  fileKey,
  lakeRoot,
  type Partition,
  parseFileName,
  partitionOf,
  partitionPrefix,
  VENDOR_NAME,
} from './lake-layout.js';
import { LocalObjectStore } from './object-store/local/local-object-store.js';
import type { ObjectStore } from './object-store/object-store.js';
import type { LakeInput, ParquetOutput, ParquetWriter } from './parquet-writer.js';
import { LAKE_TABLES, type LakeTable } from './tables.js';
import { uncoveredRuns } from './uncovered-runs.js';

/** Consumer group of the lake writer. */
export const LAKE_GROUP = 'lake';
/** Pause before retrying a failed read, write or commit. */
const RETRY_MS = 1000;

/** Counters of a running lake writer. */
export interface LakeWriterStats {
  /** Records now held durably in the lake (including ones a replay found already stored). */
  records: number;
  /** Files written by this writer (each table's file counts once). */
  files: number;
  /** Epoch ms of the last file written. */
  lastFileAt?: number;
  /** Records taken from the stream (first delivery only; re-deliveries after a rewind in this process are not counted). */
  read: number;
  /** Records that could not be decoded or placed (bad vendor name, bad receivedAt); skipped. */
  badRecords: number;
}

/** A running lake writer. `stop()` flushes every buffer, commits, and resolves. */
export interface LakeWriter extends Service {
  stats(): LakeWriterStats;
}

export interface LakeWriterOptions {
  /** A connected stream; the writer opens its own consumer and never closes the stream. */
  stream: Stream;
  config: Config;
  logger: Logger;
  /** Where files go; default a LocalObjectStore at `<dataDir>/lake`. */
  store?: ObjectStore;
  /** Default a DuckDBParquetWriter staging under `<dataDir>/tmp/lake`. */
  parquet?: ParquetWriter;
  /** Consumer group; default LAKE_GROUP. */
  group?: string;
  /** Wall clock, for the idle flush; default Date.now. */
  now?: () => number;
}

interface OpenFile {
  readonly shard: number;
  readonly partition: Partition;
  readonly key: string;
  /** Record-time window the buffer belongs to. */
  readonly window: number;
  readonly inputs: LakeInput[];
  bytes: number;
  lastArrival: number;
}

interface ShardState {
  /** Highest seq taken in by this process; lower ones are re-deliveries after a rewind. */
  lastSeq: number;
  /** Highest record-time window seen on the shard. */
  watermark: number;
  readonly open: Map<string, OpenFile>;
}

/** Starts a lake writer on `stream`; resolves once its consumer is open. */
export async function startLakeWriter(options: LakeWriterOptions): Promise<LakeWriter> {
  const { config } = options;
  const store = options.store ?? new LocalObjectStore(lakeRoot(config.dataDir));
  const stagingDir = path.join(config.dataDir, 'tmp', 'lake');
  const parquet = options.parquet ?? (await DuckDBParquetWriter.open({ stagingDir }));
  const group = options.group ?? LAKE_GROUP;
  const consumer = await options.stream.consumer(group, config.lake.batch);
  const writer = new LakeWriterLoop(
    consumer,
    store,
    parquet,
    options.parquet === undefined,
    stagingDir,
    config,
    options.logger.child('lake'),
    options.now ?? Date.now,
  );
  writer.start();
  return writer;
}

class LakeWriterLoop implements LakeWriter {
  readonly name = 'lake';
  private readonly rotateMs: number;
  private readonly rotateBytes: number;
  private readonly shards = new Map<number, ShardState>();
  /** Buffers closed for writing, in the order they closed. */
  private readonly closed: OpenFile[] = [];
  /** Batches read and not yet committed, oldest first. */
  private readonly pending: Batch[] = [];
  private readonly abort = new AbortController();
  private readonly counters: LakeWriterStats = { records: 0, files: 0, read: 0, badRecords: 0 };
  private stopping = false;
  private done: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(
    private readonly consumer: Consumer,
    private readonly store: ObjectStore,
    private readonly parquet: ParquetWriter,
    private readonly ownsParquet: boolean,
    private readonly stagingDir: string,
    config: Config,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.rotateMs = config.lake.rotateSeconds * 1000;
    this.rotateBytes = config.lake.rotateBytes;
  }

  start(): void {
    this.done = this.run();
  }

  stats(): LakeWriterStats {
    return { ...this.counters };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopping) {
        let batch: Batch;
        try {
          batch = await this.consumer.read(this.abort.signal);
        } catch (err) {
          if (this.stopping) break;
          this.log.error('stream read failed', { error: (err as Error).message });
          await this.sleep(RETRY_MS);
          continue;
        }
        this.take(batch);
        this.closeIdle();
        await this.flushClosed();
        await this.commitReady();
      }
      for (const st of this.shards.values()) for (const f of st.open.values()) this.close(f);
      await this.flushClosed();
      await this.commitReady();
    } finally {
      await this.consumer.close();
      if (this.ownsParquet) await this.parquet.close();
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

  /** Buffers the records of `batch`, closing buffers whose record-time window has passed. */
  private take(batch: Batch): void {
    if (batch.records.length === 0) return;
    this.pending.push(batch);
    const now = this.now();
    for (const rec of batch.records) {
      const st = this.shard(rec.shard);
      if (rec.seq <= st.lastSeq) continue;
      st.lastSeq = rec.seq;
      this.counters.read++;
      let record: LakeInput['record'];
      try {
        record = decodeRecord(rec.data);
      } catch (err) {
        this.reject(rec, (err as Error).message);
        continue;
      }
      const receivedMs = Date.parse(record.receivedAt);
      if (!VENDOR_NAME.test(record.vendor)) {
        this.reject(rec, `vendor "${record.vendor}" is not a valid vendor name`);
        continue;
      }
      if (!Number.isFinite(receivedMs)) {
        this.reject(rec, `receivedAt "${record.receivedAt}" is not an instant`);
        continue;
      }
      const window = Math.floor(receivedMs / this.rotateMs);
      if (window > st.watermark) {
        st.watermark = window;
        for (const f of st.open.values()) if (f.window < window) this.close(f);
      }
      const partition = partitionOf(record.vendor, receivedMs);
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
      file.inputs.push({ shard: rec.shard, seq: rec.seq, record });
      file.bytes += rec.data.length;
      file.lastArrival = now;
      if (file.bytes >= this.rotateBytes) this.close(file);
    }
  }

  private reject(rec: StreamRecord, reason: string): void {
    this.counters.badRecords++;
    this.log.warn('skipping undecodable record', {
      shard: rec.shard,
      seq: rec.seq,
      id: rec.id,
      reason,
    });
  }

  private close(file: OpenFile): void {
    this.shard(file.shard).open.delete(file.key);
    this.closed.push(file);
  }

  private closeIdle(): void {
    const now = this.now();
    for (const st of this.shards.values())
      for (const f of st.open.values()) if (now - f.lastArrival > this.rotateMs) this.close(f);
  }

  /** Writes every closed buffer, retrying failures until they succeed or the writer stops. */
  private async flushClosed(): Promise<void> {
    while (this.closed.length > 0) {
      const file = this.closed[0]!;
      try {
        await this.write(file);
        this.closed.shift();
      } catch (err) {
        this.log.error('writing lake file failed', {
          partition: file.key,
          shard: file.shard,
          error: (err as Error).message,
        });
        if (this.stopping) throw err;
        await this.sleep(RETRY_MS);
      }
    }
  }

  private async write(file: OpenFile): Promise<void> {
    // Per table, the records no existing file holds, grouped by the range they will form.
    const groups = new Map<string, { inputs: LakeInput[]; tables: LakeTable[] }>();
    for (const table of LAKE_TABLES) {
      const existing = (await this.store.list(partitionPrefix(table, file.partition)))
        .map((o) => parseFileName(o.key))
        .filter((r) => r !== undefined && r.shard === file.shard)
        .sort((a, b) => a!.first - b!.first) as { first: number; last: number }[];
      for (const run of uncoveredRuns(file.inputs, existing)) {
        const id = `${run[0]!.seq}-${run[run.length - 1]!.seq}`;
        const g = groups.get(id) ?? { inputs: run, tables: [] };
        g.tables.push(table);
        groups.set(id, g);
      }
    }
    for (const { inputs, tables } of groups.values()) {
      const range = {
        shard: file.shard,
        first: inputs[0]!.seq,
        last: inputs[inputs.length - 1]!.seq,
      };
      const outputs: ParquetOutput[] = tables.map((table) => ({
        table,
        path: path.join(this.stagingDir, `${process.pid}-${++this.seq}-${table}.parquet`),
      }));
      await this.parquet.write(inputs, outputs);
      for (const out of outputs) {
        const key = fileKey(out.table, file.partition, range);
        await this.store.putFile(key, out.path);
        this.counters.files++;
        this.counters.lastFileAt = this.now();
        this.log.debug('wrote lake file', { key, records: inputs.length });
      }
    }
    this.counters.records += file.inputs.length;
  }

  /** Commits, oldest first, every pending batch whose records are all in durable files. */
  private async commitReady(): Promise<void> {
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

  /** Lowest seq of `shard` still held in memory (open or closed buffers). */
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
