/**
 * Runs pond jobs: works out which lake partitions changed since the job's watermark,
 * which output partitions they touch, rebuilds exactly those into a staging directory
 * and swaps them in, then moves the watermark, all recorded as a run in the row store.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { isVanishedFile } from '../lake/duckdb/vanished-file.js';
import type { LakeTable } from '../lake/tables.js';
import type { Logger } from '../ops/logger.js';
import { JobRunError } from './errors.js';
import type { EtlEngine, InputFiles } from './etl-engine.js';
import type { EtlMetrics } from './etl-metrics.js';
import type { EtlStore, RunKind } from './etl-store.js';
import { definitionVersion, grainDays, type JobDefinition } from './job.js';
import { type InputPartition, listInputPartitions } from './lake-inputs.js';
import { withLease } from './lease.js';
import { removeStaleStaging, swapPartitions } from './partition-swap.js';

const DAY_MS = 86_400_000;
/** Longest a run may hold its job's lease before another process may take it over. */
export const LEASE_MS = 2 * 3_600_000;
/**
 * Output days one engine build covers at most (a week grain's build covers one week):
 * a run over more builds them in groups, one after another, so that its memory follows
 * the group, not the run. The first run of `up --demo` over its 28 days of history built
 * every day in one DuckDB COPY and took the process to 1.6 GB for 20-30 s
 * (docs/benchmarks.md).
 */
export const BUILD_DAYS = 7;
/**
 * Input files one scan for the output partitions a change touches reads at most: the
 * changed partitions are scanned in groups of about this many files, one DuckDB
 * instance each. One scan of the 10,725 files of `up --demo`'s history held 975 MB.
 */
export const SCAN_FILES = 1000;
/**
 * Times a scan or build lists its inputs again when a file it was given vanished: a
 * compaction merged the partition and deleted its sources (30 s after, the grace) while
 * the run, which lists its inputs when it starts, was still working through them.
 */
export const VANISHED_RETRIES = 3;

/** Dependencies of JobRunner. */
export interface JobRunnerOptions {
  store: EtlStore;
  engine: EtlEngine;
  /** The lake root (`<dataDir>/lake`); ponds go to `<lakeRoot>/ponds/<pond>/`. */
  lakeRoot: string;
  logger: Logger;
  metrics?: EtlMetrics;
  /** Names this process in run history and leases; default host-pid-random. */
  runnerId?: string;
  /**
   * Called after a run swapped new partitions into `job.pond`, before the run is recorded
   * as succeeded (customer slices are refreshed here); when it throws, the run fails and
   * its watermark stays, so the retry redoes both.
   */
  onPublished?: (job: JobDefinition) => Promise<void>;
  /** Output days per engine build; default BUILD_DAYS. */
  buildDays?: number;
  /** Input files per scan for affected keys; default SCAN_FILES. */
  scanFiles?: number;
}

/** What one attempt did. */
export interface RunSummary {
  runId: number;
  job: string;
  inputPartitions: string[];
  outputPartitions: string[];
  rows: number;
  bytes: number;
  /** The job's definition had changed since its pond was built: every partition was rebuilt. */
  redefined: boolean;
}

/** Options of one run. */
export interface RunOptions {
  kind?: RunKind;
  slot?: string;
  attempt?: number;
  /** Rebuild every output partition from `from` to `to` (dates, inclusive) whatever the watermark. */
  range?: { from: string; to: string };
  /** The scheduler's stop: a run still waiting for the one before it does not start (lease.ts). */
  signal?: AbortSignal;
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The grain start (`day` itself, or the Monday of its week) of a `YYYY-MM-DD`. */
export function truncateDay(day: string, grain: JobDefinition['grain']): string {
  if (grain === 'day') return day;
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  return addDays(day, -((dow + 6) % 7));
}

/** Every grain start from `from` to `to`, inclusive. */
export function keysInRange(from: string, to: string, grain: JobDefinition['grain']): string[] {
  const out: string[] = [];
  for (let k = truncateDay(from, grain); k <= to; k = addDays(k, grainDays(grain))) out.push(k);
  return out;
}

export class JobRunner {
  readonly runnerId: string;

  constructor(private readonly opts: JobRunnerOptions) {
    this.runnerId =
      opts.runnerId ??
      `${process.env.HOSTNAME ?? 'local'}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Directory of a pond. */
  pondDir(pond: string): string {
    return path.join(this.opts.lakeRoot, 'ponds', pond);
  }

  /**
   * One attempt of `job`, after the runs of it this runner started before (withLease).
   * Throws JobBusyError when another process's runner holds the job (nothing recorded)
   * and JobRunError when the attempt failed (recorded as failed; output partitions
   * already swapped stay, which is harmless: a rerun rewrites them). When
   * `options.signal` aborts, the engine's query in flight is interrupted and the attempt
   * is recorded as stopped.
   */
  run(job: JobDefinition, options: RunOptions = {}): Promise<RunSummary> {
    return withLease(
      this.opts.store,
      job.name,
      this.runnerId,
      LEASE_MS,
      this.opts.logger,
      () => this.runLeased(job, options),
      options.signal,
    );
  }

  private async runLeased(job: JobDefinition, options: RunOptions): Promise<RunSummary> {
    const { store, engine, logger } = this.opts;
    const runId = await store.startRun({
      job: job.name,
      kind: options.kind ?? (options.range ? 'backfill' : 'manual'),
      ...(options.slot ? { slot: options.slot } : {}),
      attempt: options.attempt ?? 1,
      runner: this.runnerId,
    });
    let inputKeys: string[] = [];
    const listAll = async () => {
      const listed: InputPartition[] = [];
      for (const t of job.inputs)
        listed.push(...(await listInputPartitions(this.opts.lakeRoot, t)));
      return listed;
    };
    try {
      // what the run's watermarks record: its partitions as they were listed at its start
      const all = await listAll();
      // what it reads: the same partitions, listed again when a compaction changed them
      let current = all;
      /**
       * `read` over the files of the partitions `pick` takes from the current listing; when
       * a file vanished (merged and deleted by a compaction since the listing), lists again
       * and reads those partitions' files as they are now: the same rows, merged.
       */
      const withCurrentFiles = async <T>(
        pick: (listing: readonly InputPartition[]) => InputPartition[],
        read: (files: InputFiles, attempt: number) => Promise<T>,
      ): Promise<T> => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await read(filesOf(pick(current)), attempt);
          } catch (err) {
            if (attempt >= VANISHED_RETRIES || options.signal?.aborted || !isVanishedFile(err))
              throw err;
            logger.info('an input file was compacted away after the run listed it: listing again', {
              job: job.name,
              run: runId,
              error: (err as Error).message.split('\n')[0],
            });
            current = await listAll();
          }
        }
      };
      const version = definitionVersion(job);
      let redefined = false;
      let keys: string[];
      let watermarks: { set: [string, string][]; removed: string[] } | undefined;
      if (options.range) {
        keys = keysInRange(options.range.from, options.range.to, job.grain);
      } else {
        const wm = await store.watermarks(job.name);
        // a partition's watermark is its fingerprint as read by this definition of the job
        const mark = (p: InputPartition) => `${version}:${p.fingerprint}`;
        redefined = [...wm.values()].some((f) => !f.startsWith(`${version}:`));
        if (redefined)
          logger.info(
            'job definition changed since its pond was built: rebuilding every partition',
            {
              job: job.name,
              run: runId,
              version,
              inputPartitions: all.length,
            },
          );
        const changed = all.filter((p) => wm.get(p.key) !== mark(p));
        const present = new Set(all.map((p) => p.key));
        const removed = [...wm.keys()].filter((k) => !present.has(k));
        inputKeys = [...changed.map((p) => p.key), ...removed];
        const found = new Set<string>();
        for (const group of groupByFiles(changed, this.opts.scanFiles ?? SCAN_FILES)) {
          const keysOf = new Set(group.map((p) => p.key));
          const affected = await withCurrentFiles(
            (listing) => listing.filter((p) => keysOf.has(p.key)),
            (files) => engine.affectedKeys(job, files, options.signal),
          );
          for (const key of affected) found.add(key);
        }
        for (const key of removed) {
          const dt = /dt=(\d{4}-\d{2}-\d{2})/.exec(key)?.[1];
          if (!dt) continue;
          for (let d = addDays(dt, -job.lateDays); d <= addDays(dt, 1); d = addDays(d, 1))
            found.add(truncateDay(d, job.grain));
        }
        keys = [...found].sort();
        watermarks = { set: changed.map((p) => [p.key, mark(p)]), removed };
      }
      const result = { rows: 0, bytes: 0 };
      if (keys.length > 0) {
        const dir = this.pondDir(job.pond);
        await removeStaleStaging(dir);
        const days = grainDays(job.grain);
        const perBuild = Math.max(1, Math.floor((this.opts.buildDays ?? BUILD_DAYS) / days));
        for (let at = 0, n = 0; at < keys.length; at += perBuild, n++) {
          // Each group reads only the input partitions its keys need, and is swapped in
          // before the next is built; the watermark moves once all are in.
          const group = keys.slice(at, at + perBuild);
          const spans = group.map((k) => [addDays(k, -1), addDays(k, days - 1 + job.lateDays)]);
          const staged = path.join(dir, `.tmp-${runId}-${n}`);
          const built = await withCurrentFiles(
            (listing) =>
              listing.filter((p) => spans.some(([lo, hi]) => p.dt >= lo! && p.dt <= hi!)),
            async (files, attempt) => {
              // what a failed attempt wrote is not part of this one
              if (attempt > 0) await fs.rm(staged, { recursive: true, force: true });
              return engine.build(job, files, group, staged, options.signal);
            },
          );
          if (built.overLimit) {
            logger.warn('pond build did not fit in etl.memoryLimit; it was run again without one', {
              job: job.name,
              run: runId,
              partitions: group.length,
              error: built.overLimit,
            });
            this.opts.metrics?.overLimit(job.name);
          }
          await swapPartitions(dir, job.partitionColumn, group, staged, `${runId}-${n}`);
          result.rows += built.rows;
          result.bytes += built.bytes;
        }
        await store.upsertTable({
          name: job.pond,
          kind: 'pond',
          location: `ponds/${job.pond}`,
          partitionColumn: job.partitionColumn,
          columns: await engine.describe(job),
        });
        await this.opts.onPublished?.(job);
      }
      if (redefined) await this.warnKept(job, keys, runId);
      await store.finishRun(
        runId,
        {
          status: 'succeeded',
          inputPartitions: inputKeys,
          outputPartitions: keys,
          rows: result.rows,
          bytes: result.bytes,
        },
        watermarks && { job: job.name, ...watermarks },
      );
      this.opts.metrics?.observe(job.name, 'succeeded', result.rows, 0);
      logger.info('job run done', {
        job: job.name,
        run: runId,
        changed: inputKeys.length,
        partitions: keys.length,
        rows: result.rows,
      });
      return {
        runId,
        job: job.name,
        inputPartitions: inputKeys,
        outputPartitions: keys,
        rows: result.rows,
        bytes: result.bytes,
        redefined,
      };
    } catch (err) {
      const error = (err as Error).message?.split('\n')[0] ?? String(err);
      // the process is stopping (its query was interrupted): not the job's failure
      const status = options.signal?.aborted ? 'stopped' : 'failed';
      await store
        .finishRun(runId, { status, inputPartitions: inputKeys, error })
        .catch(() => undefined);
      const [h] = await store.health([job.name]).catch(() => []);
      this.opts.metrics?.observe(
        job.name,
        status,
        0,
        h?.consecutiveFailures ?? (status === 'failed' ? 1 : 0),
      );
      // a stop is the process's doing, not the job's: no warning
      const fields = { job: job.name, run: runId, error };
      if (status === 'failed') logger.warn('job run failed', fields);
      else logger.info('job run stopped', fields);
      throw new JobRunError(job.name, runId, { cause: err });
    }
  }

  /**
   * After a rebuild for a changed definition: warns naming the pond's partitions it did
   * not rebuild (their inputs are gone from the lake, e.g. deleted by the lifecycle), which
   * keep the rows and columns of the older definition.
   */
  private async warnKept(job: JobDefinition, rebuilt: readonly string[], runId: number) {
    const prefix = `${job.partitionColumn}=`;
    const names = await fs.readdir(this.pondDir(job.pond)).catch(() => [] as string[]);
    const done = new Set(rebuilt);
    const kept = names
      .filter((n) => n.startsWith(prefix))
      .map((n) => n.slice(prefix.length))
      .filter((k) => !done.has(k))
      .sort();
    if (kept.length === 0) return;
    this.opts.logger.warn(
      'pond partitions kept from an older definition of the job: their inputs are gone from the lake',
      {
        job: job.name,
        run: runId,
        count: kept.length,
        // a long list (years of a pond the lifecycle outlived) is given by its ends
        ...(kept.length <= 20
          ? { partitions: kept }
          : { first: kept[0], last: kept[kept.length - 1] }),
      },
    );
  }
}

/** `parts` in order, in groups of at most `files` files (a larger partition alone). */
function groupByFiles(parts: readonly InputPartition[], files: number): InputPartition[][] {
  const groups: InputPartition[][] = [];
  let group: InputPartition[] = [];
  let n = 0;
  for (const p of parts) {
    if (group.length > 0 && n + p.files.length > files) {
      groups.push(group);
      group = [];
      n = 0;
    }
    group.push(p);
    n += p.files.length;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

function filesOf(parts: readonly InputPartition[]): InputFiles {
  const out: Partial<Record<LakeTable, string[]>> = {};
  for (const p of parts) {
    const list = out[p.table] ?? [];
    list.push(...p.files);
    out[p.table] = list;
  }
  return out;
}
