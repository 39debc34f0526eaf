import * as path from 'node:path';
import type { Command } from 'commander';
import { collectDefaultMetrics, Registry } from 'prom-client';

import {
  compactLake,
  DEFAULT_GRACE_MS,
  DEFAULT_TARGET_BYTES,
  type LeftPartition,
} from '../lake/compaction/compact-lake.js';
import { DuckDBParquetMerger } from '../lake/duckdb/duckdb-parquet-merger.js';
import { LAKE_TABLES, type LakeTable } from '../lake/tables.js';
import { stopOnSignal } from '../ops/lifecycle.js';
import { createLogger } from '../ops/logger.js';
import { startScheduledCompaction } from './compose/compaction.js';
import { openObjectStore } from './compose/object-store.js';
import { serveProbes } from './compose/probe-server.js';
import { startLakeRole } from './compose/roles.js';
import { openIngestStreams } from './compose/stream.js';
import { registerLifecycle } from './lake-lifecycle.js';
import { configFrom, intOption } from './options.js';

/** How often `faresight lake` logs its progress. */
const PROGRESS_MS = 10_000;

function tableOption(v: string): LakeTable {
  if (!(LAKE_TABLES as readonly string[]).includes(v))
    throw new Error(`--table must be one of ${LAKE_TABLES.join(', ')} (got "${v}")`);
  return v as LakeTable;
}

/** `--before YYYY-MM-DD` (UTC midnight) or an ISO instant, as epoch ms. */
export function beforeOption(v: string): number {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00.000Z` : v);
  if (Number.isNaN(t))
    throw new Error(`--before must be a date YYYY-MM-DD or an ISO instant (got "${v}")`);
  return t;
}

/**
 * Registers `faresight lake` (the lake writer alone, until SIGINT or SIGTERM),
 * `faresight lake compact` and `faresight lake lifecycle` (lake-lifecycle.ts). Returns the `lake` command so other lake subcommands can be added.
 */
export function register(program: Command): Command {
  const lake = program
    .command('lake')
    .description(
      'run the lake writer: consume the shopping, ingest-stats and dead-letters streams and write Parquet until Ctrl-C',
    )
    .option(
      '--metrics-port <port>',
      'serve /healthz (liveness) and Prometheus /metrics (records, files, bytes, write and commit latency, failures, lag of every consumer group) on this port (at api.host)',

      intOption('--metrics-port'),
    )
    .action(async (opts: { metricsPort?: number }, cmd: Command) => {
      const { config } = configFrom(cmd);
      const logger = createLogger(config.logLevel, 'lake');
      const streams = await openIngestStreams(config, logger);
      const store = await openObjectStore(config);
      const registry = new Registry();
      collectDefaultMetrics({ register: registry, prefix: 'faresight_lake_' });
      const writer = await startLakeRole({ config, streams, store, logger, registry });
      const probes =
        opts.metricsPort !== undefined
          ? await serveProbes(registry, config.api.host, opts.metricsPort)
          : undefined;
      if (probes) process.stdout.write(`probes: ${probes.url}/healthz ${probes.url}/metrics\n`);

      const compaction = startScheduledCompaction(config, store, logger.child('compact'), registry);
      logger.info('lake writer running', {
        lake: store.location,
        compactEveryMinutes: config.lake.compactEveryMinutes,
      });
      const progress = setInterval(() => {
        const s = writer.stats();
        logger.info('progress', { records: s.records, files: s.files, badRecords: s.badRecords });
      }, PROGRESS_MS);
      progress.unref();
      await stopOnSignal(
        () => (compaction ? [writer, compaction] : [writer]),
        logger,
        async () => {
          clearInterval(progress);
          await probes?.close();

          await streams.close();
          await store.close();
        },
      );
    });
  lake
    .command('compact')
    .description(
      'merge the small files of closed hour partitions into large ones; readers see every row once throughout',
    )
    .option('--table <table>', `one table (${LAKE_TABLES.join(', ')}); default all`, tableOption)
    .option(
      '--before <date>',
      'only partitions before this date (YYYY-MM-DD, UTC) or instant; never the current hour',
      beforeOption,
    )
    .option(
      '--target-mb <mb>',
      `size a merged file aims at (default ${DEFAULT_TARGET_BYTES / 1024 / 1024})`,
      intOption('--target-mb'),
    )
    .option(
      '--grace-seconds <s>',
      `wait before deleting merged files, so running queries finish (default ${DEFAULT_GRACE_MS / 1000})`,
      intOption('--grace-seconds'),
    )
    .action(
      async (
        opts: { table?: LakeTable; before?: number; targetMb?: number; graceSeconds?: number },
        cmd: Command,
      ) => {
        const { config } = configFrom(cmd);
        const logger = createLogger(config.logLevel, 'compact');
        if (opts.targetMb !== undefined && opts.targetMb <= 0)
          throw new Error(`--target-mb must be positive (got ${opts.targetMb})`);
        if (opts.graceSeconds !== undefined && opts.graceSeconds < 0)
          throw new Error(`--grace-seconds must be 0 or more (got ${opts.graceSeconds})`);
        const store = await openObjectStore(config);
        const merger = await DuckDBParquetMerger.open({
          compressionLevel: config.lake.compactCompressionLevel,
          spillDir: path.join(config.dataDir, 'tmp', 'compact-spill'),
        });
        try {
          const report = await compactLake({
            store,
            merger,
            stagingDir: path.join(config.dataDir, 'tmp', 'compact'),
            logger,
            ...(opts.table ? { tables: [opts.table] } : {}),
            ...(opts.before !== undefined ? { before: opts.before } : {}),
            ...(opts.targetMb !== undefined ? { targetBytes: opts.targetMb * 1024 * 1024 } : {}),
            ...(opts.graceSeconds !== undefined ? { graceMs: opts.graceSeconds * 1000 } : {}),
          });
          process.stdout.write(
            `compacted ${report.partitions} partitions: ${report.filesIn} files (${report.bytesIn} bytes) ` +
              `into ${report.filesOut} (${report.bytesOut} bytes), ${report.rows} rows; deleted ${report.deleted} files\n` +
              describeLeft(report.left),
          );
        } finally {
          await merger.close();
          await store.close();
        }
      },
    );
  registerLifecycle(lake);
  return lake;
}

/** One line per reason compaction left partitions: how many, and up to three of them. */
export function describeLeft(left: readonly LeftPartition[]): string {
  const byReason = new Map<string, string[]>();
  for (const l of left) byReason.set(l.reason, [...(byReason.get(l.reason) ?? []), l.partition]);
  return [...byReason]
    .map(([reason, parts]) => {
      const more = parts.length > 3 ? `, and ${parts.length - 3} more` : '';
      return `left ${parts.length} partitions: ${reason} (${parts.slice(0, 3).join(', ')}${more})\n`;
    })
    .join('');
}
