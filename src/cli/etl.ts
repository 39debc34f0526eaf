import * as path from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { EtlJobInfo } from '../console/console-backend.js';
import type { CatalogTable } from '../etl/etl-store.js';
import { pondDdl } from '../etl/pond-ddl.js';
import { UnsupportedTypeError } from '../lake/errors.js';
import { lakeRoot } from '../lake/lake-layout.js';
import { stopOnSignal } from '../ops/lifecycle.js';
import { createLogger, type Logger } from '../ops/logger.js';
import { platformBeside } from './admin-client.js';
import { warnIfLocal } from './catalog.js';
import { type EtlContext, openEtlContext, startEtlRole } from './compose/etl-context.js';
import { backfill, backfillKeys, dayOf, runJobNow } from './compose/etl-operations.js';
import { serveProbes } from './compose/probe-server.js';
import { openRowStore } from './compose/row-store.js';
import { watchOperation } from './etl-watch.js';
import { configFrom, intOption } from './options.js';

async function withContext<R>(
  config: Config,
  logger: Logger,
  fn: (ctx: EtlContext) => Promise<R>,
): Promise<R> {
  const rowStore = await openRowStore(config, logger.child('rowstore'));
  try {
    const ctx = await openEtlContext({ config, sql: rowStore.client, logger });
    try {
      return await fn(ctx);
    } finally {
      await ctx.close();
    }
  } finally {
    await rowStore.close();
  }
}

/**
 * Registers `faresight etl` (the long-running scheduler), `etl run JOB`, `etl backfill JOB
 * --from --to`, `etl status` and `etl ddl`. With the embedded row store (PGlite) beside a
 * running `faresight up` on the same data directory, `run`, `backfill`, `status` and
 * `ddl` go through its admin API (admin-endpoint.ts); the scheduler opens
 * `<dataDir>/rowstore` itself, so it cannot run beside it (rowStore.backend=postgres
 * lifts that).
 */
export function register(program: Command): void {
  const etl = program
    .command('etl')
    .description(
      'run the ETL scheduler (default ponds and customer jobs on their cron schedules); subcommands run one job, backfill or show status',
    )
    .option(
      '--metrics-port <port>',
      'serve /healthz (liveness) and Prometheus /metrics (ETL runs) on this port (at api.host)',
      intOption('--metrics-port'),
    )
    .action(async (opts: { metricsPort?: number }, cmd: Command) => {
      const { config } = configFrom(cmd);
      const logger = createLogger(config.logLevel, 'etl');
      const rowStore = await openRowStore(config, logger.child('rowstore'));
      const registry = new Registry();
      let svc: Awaited<ReturnType<typeof startEtlRole>> | undefined;
      let probes: Awaited<ReturnType<typeof serveProbes>> | undefined;
      try {
        svc = await startEtlRole({ config, sql: rowStore.client, logger, registry });
        if (opts.metricsPort !== undefined) {
          probes = await serveProbes(registry, config.api.host, opts.metricsPort);
          process.stdout.write(`probes: ${probes.url}/healthz ${probes.url}/metrics\n`);
        }
      } catch (err) {
        await svc?.stop().catch(() => undefined);
        await rowStore.close();
        throw err;
      }
      const started = svc;
      await stopOnSignal(
        () => [started],
        logger,
        async () => {
          await probes?.close();
          await rowStore.close();
        },
      );
    });

  etl
    .command('run')
    .description(
      'run one job now, incrementally (a pond name, customer:<customer>/<table>, or demand_forecast)',
    )
    .argument('<job>', 'job name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { config } = configFrom(cmd);
      const api = platformBeside(config);
      if (api) {
        const op = await watchOperation(api, { job: name });
        process.stdout.write(`${op.message}\n`);
        return;
      }
      const logger = createLogger(config.logLevel, 'etl');
      await withContext(config, logger, async (ctx) => {
        process.stdout.write(`${(await runJobNow(ctx, name, logger)).message}\n`);
      });
    });

  etl
    .command('backfill')
    .description('rebuild a pond for a range of days (inclusive), one output partition at a time')
    .argument('<job>', 'pond job name')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD')
    .action(async (name: string, opts: { from: string; to: string }, cmd: Command) => {
      const from = dayOf('--from', opts.from);
      const to = dayOf('--to', opts.to);
      if (from > to) throw new Error(`--from ${from} is after --to ${to}`);
      const { config } = configFrom(cmd);
      const api = platformBeside(config);
      if (api) {
        const bar = new SingleBar({
          format: `${name} [{bar}] {value}/{total} | {key} | {rows} rows`,
          stream: process.stderr,
        });
        let started = false;
        try {
          const op = await watchOperation(api, { job: name, from, to }, (o) => {
            if (!started) bar.start(o.total, 0, { key: o.step ?? '', rows: 0 });
            started = true;
            bar.update(o.done, { key: o.step ?? '', rows: o.rows });
          });
          bar.stop();
          process.stdout.write(`${op.message}\n`);
        } finally {
          bar.stop();
        }
        return;
      }
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'etl');
      await withContext(config, logger, async (ctx) => {
        const job = ctx.job(name);
        const keys = backfillKeys(job, from, to);
        const bar = new SingleBar({
          format: `${name} [{bar}] {value}/{total} ${job.grain}s | {key} | {rows} rows | ETA {eta_formatted}`,
          stream: process.stderr,
        });
        let rows = 0;
        bar.start(keys.length, 0, { key: keys[0], rows });
        try {
          await backfill(ctx, job, keys, (key, n) => {
            rows += n;
            bar.increment(1, { key, rows });
          });
        } finally {
          bar.stop();
        }
        process.stdout.write(
          `${name}: ${keys.length} ${job.grain} partitions from ${from} to ${to}, ${rows} rows\n`,
        );
      });
    });

  etl
    .command('ddl')
    .description('Athena/Glue CREATE EXTERNAL TABLE of every pond and customer table built so far')
    .option('--location <url>', 'lake root as the engine sees it (s3://bucket/prefix)', '')
    .option('--database <name>', 'database', 'faresight')
    .action(async (opts: { location: string; database: string }, cmd: Command) => {
      const { config } = configFrom(cmd);
      const api = platformBeside(config);
      const print = (tables: readonly CatalogTable[]) => {
        const base = opts.location || `file://${path.resolve(lakeRoot(config.dataDir))}`;
        warnIfLocal(base);
        printDdl(tables, base, opts.database);
      };
      if (api) {
        print((await api.call<{ tables: CatalogTable[] }>('GET', '/etl/tables')).tables);
        return;
      }
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'etl');
      await withContext(config, logger, async (ctx) => print(await ctx.store.tables()));
    });

  etl
    .command('status')
    .description('last run, last success and consecutive failures of every job')
    .action(async (_opts: unknown, cmd: Command) => {
      const { config } = configFrom(cmd);
      const api = platformBeside(config);
      if (api) {
        const { jobs } = await api.call<{ jobs: EtlJobInfo[] }>('GET', '/etl/jobs');
        printStatus(
          jobs.map((j) => ({
            name: j.job,
            schedule: j.schedule ?? '',
            lastRun: j.lastRun && { ...j.lastRun, startedAt: new Date(j.lastRun.startedAt) },
            lastSuccessAt: j.lastSuccessAt ? new Date(j.lastSuccessAt) : null,
            consecutiveFailures: j.consecutiveFailures,
          })),
          config.etl.attempts,
        );
        return;
      }
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'etl');
      await withContext(config, logger, async (ctx) => {
        const tasks = await ctx.tasks();
        const health = await ctx.store.health(tasks.map((t) => t.name));
        printStatus(
          tasks.map((t, i) => ({ name: t.name, schedule: t.schedule, ...health[i]! })),
          config.etl.attempts,
        );
      });
    });
}

/** CREATE EXTERNAL TABLE of each table; throws, after the others, naming those Hive cannot type. */
function printDdl(tables: readonly CatalogTable[], base: string, database: string): void {
  const failed: string[] = [];
  for (const t of tables) {
    try {
      process.stdout.write(`${pondDdl(t, base, database)}\n\n`);
    } catch (err) {
      if (!(err instanceof UnsupportedTypeError)) throw err;
      failed.push(`${t.location}: ${err.message}`);
    }
  }
  if (failed.length > 0)
    throw new Error(`no DDL for ${failed.length} table(s):\n  ${failed.join('\n  ')}`);
}

/** One job's line of `etl status`, from the row store or the admin API. */
interface JobStatus {
  name: string;
  schedule: string;
  lastRun?:
    | { status: string; startedAt: Date; rowsOut: number; error: string | null }
    | null
    | undefined;
  lastSuccessAt?: Date | null | undefined;
  consecutiveFailures: number;
}

/** The `etl status` table; a job failing `attempts` times in a row is marked FAILING. */
function printStatus(jobs: readonly JobStatus[], attempts: number): void {
  const rows = jobs.map((h) => {
    const last = h.lastRun;
    return [
      h.name,
      h.schedule,
      last ? last.status : 'never run',
      last ? last.startedAt.toISOString().slice(0, 19) : '',
      h.lastSuccessAt ? h.lastSuccessAt.toISOString().slice(0, 19) : '',
      String(h.consecutiveFailures),
      last ? String(last.rowsOut) : '',
      h.consecutiveFailures >= attempts ? `FAILING: ${last?.error ?? ''}` : '',
    ];
  });
  const head = [
    'job',
    'schedule',
    'last',
    'last start (UTC)',
    'last success',
    'failures',
    'rows',
    '',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows])
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
}
