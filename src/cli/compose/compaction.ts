import type { Registry } from 'prom-client';
import type { Config } from '../../config/config.js';
import { registerCompactionMetrics } from '../../lake/compaction/compaction-metrics.js';
import { startCompactionSchedule } from '../../lake/compaction/compaction-schedule.js';
import type { ObjectStore } from '../../lake/object-store/object-store.js';
import type { Logger } from '../../ops/logger.js';
import type { Service } from '../../ops/service.js';

/**
 * The compaction `up` and the lake role run on a timer, as `lake.compactEveryMinutes`,
 * `compactQuietMinutes` and `compactCurrentHour` say, with its metrics in `registry`;
 * undefined when `compactEveryMinutes` is 0.
 */
export function startScheduledCompaction(
  config: Pick<Config, 'dataDir' | 'lake'>,
  store: ObjectStore,
  logger: Logger,
  registry: Registry,
): Service | undefined {
  if (config.lake.compactEveryMinutes <= 0) return undefined;
  return startCompactionSchedule({
    store,
    dataDir: config.dataDir,
    compressionLevel: config.lake.compactCompressionLevel,
    logger,
    everyMs: config.lake.compactEveryMinutes * 60_000,
    quietMs: config.lake.compactQuietMinutes * 60_000,
    currentHour: config.lake.compactCurrentHour,
    metrics: registerCompactionMetrics(registry),
  });
}
