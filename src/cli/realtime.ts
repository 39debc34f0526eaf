import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { type Config, validationPolicyOf } from '../config/config.js';
import { DEAD_LETTER_STREAM } from '../model/dead-letter.js';
import { stopOnSignal } from '../ops/lifecycle.js';
import type { Logger } from '../ops/logger.js';
import { createLogger } from '../ops/logger.js';
import { dealsConfigSchema, dealsUseCaseFromConfig } from '../realtime/deals-config.js';
import { createServingUseCase, servingConfigSchema } from '../realtime/serving-use-case.js';
import type { UseCase } from '../realtime/use-case.js';
import { useCaseConfig } from '../realtime/use-case-config.js';
import type { Cache } from '../serving/cache/cache.js';
import type { RowStore } from '../serving/row-store.js';
import { registerRowStoreSizeMetrics } from '../serving/row-store-size-metrics.js';
import type { Stream } from '../stream/stream.js';
import { openCache } from './compose/cache.js';
import { openLocalLake } from './compose/lake.js';
import { startRealtimeRole } from './compose/roles.js';
import { openRowStore } from './compose/row-store.js';
import { openStream } from './compose/stream.js';
import { configFrom, intOption } from './options.js';
import { serveMetrics } from './serve-metrics.js';

/** What use cases are built from. */
export interface UseCaseDeps {
  rowStore: RowStore;
  logger: Logger;
  /** The effective configuration; a use case's own settings are `realtime.useCases.<name>` (see useCaseConfig). */
  config?: Pick<Config, 'dataDir' | 'realtime' | 'validation'>;
  /** The API cache, for use cases that must invalidate what they change. */
  cache?: Cache;
}

/** Every real-time use case, by name: adding one is one line here. */
export const USE_CASES = {
  serving: (d: UseCaseDeps) => {
    const c = useCaseConfig('serving', servingConfigSchema, d.config?.realtime.useCases);
    return createServingUseCase({
      rowStore: d.rowStore,
      logger: d.logger,
      ...(d.cache ? { cache: d.cache } : {}),
      ...(d.config ? { validation: validationPolicyOf(d.config) } : {}),
      pruneEveryMs: c.pruneEveryMinutes * 60_000,
      retention: {
        fareRetentionMs: c.fareRetentionHours * 3_600_000,
        searchRetentionMs: c.searchRetentionHours * 3_600_000,
      },
    });
  },
  deals: (d: UseCaseDeps) => {
    const dataDir = d.config?.dataDir;
    return dealsUseCaseFromConfig({
      client: d.rowStore.client,
      logger: d.logger,
      config: useCaseConfig('deals', dealsConfigSchema, d.config?.realtime.useCases),
      ...(d.config ? { validation: validationPolicyOf(d.config) } : {}),
      // warm start reads the local lake under dataDir (an S3 lake is not read for it)
      ...(dataDir !== undefined ? { openLake: () => openLocalLake({ dataDir }) } : {}),
    });
  },
  // biome-ignore lint/suspicious/noExplicitAny: use cases of any source record type
} satisfies Record<string, (d: UseCaseDeps) => UseCase<any>>;

export type UseCaseName = keyof typeof USE_CASES;

/** Parses `a,b` into known use case names; throws naming an unknown one and the known ones. */
export function parseUseCases(list: string): UseCaseName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error('--use-cases lists no use case');
  for (const n of names) {
    if (!Object.hasOwn(USE_CASES, n)) {
      throw new Error(
        `--use-cases: unknown use case "${n}" (known: ${Object.keys(USE_CASES).join(', ')})`,
      );
    }
  }
  return [...new Set(names)] as UseCaseName[];
}

/** Builds the named use cases. */
// biome-ignore lint/suspicious/noExplicitAny: use cases of any source record type
export function buildUseCases(names: readonly UseCaseName[], deps: UseCaseDeps): UseCase<any>[] {
  return names.map((n) => USE_CASES[n]({ ...deps, logger: deps.logger.child(`use-case:${n}`) }));
}

/** How often `faresight realtime` logs its progress. */
const PROGRESS_MS = 10_000;

/** Registers `faresight realtime`: the micro-batch runner alone, until SIGINT or SIGTERM. */
export function register(program: Command): void {
  program
    .command('realtime')
    .description(
      'run the real-time use cases (consumer groups rt-<name>) on the configured stream and row store; ' +
        'records that keep failing go to the dead-letters stream',
    )
    .option(
      '--use-cases <list>',
      `comma-separated use cases to run (known: ${Object.keys(USE_CASES).join(', ')}; default all)`,
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics (lag per use case, batches, failures, dead letters) on this port at /metrics',
      intOption('--metrics-port'),
    )
    .action(async (opts: { useCases?: string; metricsPort?: number }, cmd: Command) => {
      const names = parseUseCases(opts.useCases ?? Object.keys(USE_CASES).join(','));
      const { config } = configFrom(cmd);
      const logger = createLogger(config.logLevel, 'realtime');
      const rowStore = await openRowStore(config, logger);
      const registry = new Registry();
      const opened: Stream[] = [];
      let cache: Cache | undefined;
      let metrics: Awaited<ReturnType<typeof serveMetrics>> | undefined;
      let runner: Awaited<ReturnType<typeof startRealtimeRole>>;
      const closeAll = async () => {
        await metrics?.close();
        await Promise.allSettled(opened.map((s) => s.close()));
        await cache?.close();
        await rowStore.close();
      };
      try {
        cache = await openCache(config, logger);
        const stream = await openStream(config, logger);
        opened.push(stream);
        const deadLetters = await openStream(config, logger, DEAD_LETTER_STREAM);
        opened.push(deadLetters);
        runner = await startRealtimeRole({
          config,
          stream,
          deadLetters,
          useCases: buildUseCases(names, { rowStore, logger, config, cache }),
          logger,
          registry,
        });
        if (opts.metricsPort !== undefined) {
          registerRowStoreSizeMetrics(registry, rowStore.client);
          metrics = await serveMetrics(registry, config.api.host, opts.metricsPort);
          process.stdout.write(`metrics: ${metrics.url}\n`);
        }
      } catch (err) {
        await closeAll();
        throw err;
      }
      const progress = setInterval(() => {
        runner
          .lag()
          .then((lag) => {
            for (const s of runner.stats()) {
              const behind = lag.filter((l) => l.group === s.group);
              logger.info('progress', {
                useCase: s.name,
                records: s.records,
                batches: s.batches,
                decodeErrors: s.decodeErrors,
                deadLetters: s.deadLetters,
                failures: s.failures,
                lagRecords: behind.reduce((n, l) => n + l.records, 0),
                lagMs: behind.reduce((m, l) => Math.max(m, l.oldestAgeMs), 0),
              });
            }
          })
          .catch((err: Error) => logger.warn('lag unavailable', { error: err.message }));
      }, PROGRESS_MS);
      progress.unref();
      await stopOnSignal(
        () => [runner],
        logger,
        async () => {
          clearInterval(progress);
          await closeAll();
        },
      );
    });
}
