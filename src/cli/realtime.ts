import type { Command } from 'commander';
import { stopOnSignal } from '../ops/lifecycle.js';
import type { Logger } from '../ops/logger.js';
import { createLogger } from '../ops/logger.js';
import { startRealtime } from '../realtime/realtime-runner.js';
import type { UseCase } from '../realtime/use-case.js';
import { openRowStore } from '../serving/open-row-store.js';
import type { RowStore } from '../serving/row-store.js';
import { createServingUseCase } from '../serving/serving-use-case.js';
import { openStream } from './compose.js';
import { configFrom } from './options.js';

/** What use cases are built from. */
export interface UseCaseDeps {
  rowStore: RowStore;
  logger: Logger;
}

/** Every real-time use case, by name: adding one is one line here. */
export const USE_CASES = {
  serving: (d: UseCaseDeps) => createServingUseCase({ rowStore: d.rowStore, logger: d.logger }),
} satisfies Record<string, (d: UseCaseDeps) => UseCase>;

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
export function buildUseCases(names: readonly UseCaseName[], deps: UseCaseDeps): UseCase[] {
  return names.map((n) => USE_CASES[n]({ ...deps, logger: deps.logger.child(`use-case:${n}`) }));
}

/** How often `faresight realtime` logs its progress. */
const PROGRESS_MS = 10_000;

/** Registers `faresight realtime`: the micro-batch runner alone, until SIGINT or SIGTERM. */
export function register(program: Command): void {
  program
    .command('realtime')
    .description(
      'run the real-time use cases (consumer groups rt-<name>) on the configured stream and row store',
    )
    .option(
      '--use-cases <list>',
      `comma-separated use cases to run (known: ${Object.keys(USE_CASES).join(', ')}; default all)`,
    )
    .action(async (opts: { useCases?: string }, cmd: Command) => {
      const names = parseUseCases(opts.useCases ?? Object.keys(USE_CASES).join(','));
      const { config } = configFrom(cmd);
      const logger = createLogger(config.logLevel, 'realtime');
      const rowStore = await openRowStore(config, logger);
      let stream: Awaited<ReturnType<typeof openStream>> | undefined;
      let runner: Awaited<ReturnType<typeof startRealtime>>;
      try {
        stream = await openStream(config, logger);
        runner = await startRealtime({
          stream,
          useCases: buildUseCases(names, { rowStore, logger }),
          policy: config.realtime.batch,
          logger,
        });
      } catch (err) {
        await stream?.close();
        await rowStore.close();
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
          await stream?.close();
          await rowStore.close();
        },
      );
    });
}
