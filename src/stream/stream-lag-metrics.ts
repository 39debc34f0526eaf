import { Gauge, type Registry } from 'prom-client';
import type { ShardLag, Stream } from './stream.js';

/**
 * Registers `faresight_stream_lag_records` (records appended after the group's checkpoint,
 * summed over shards) and `faresight_stream_lag_seconds` (age of the oldest record the
 * group has not committed, 0 when caught up), labelled by `stream` and `group`, for every
 * consumer group of every stream in `streams`, read at scrape time from `Stream.lag()`.
 * A stream whose lag cannot be read is left out of that scrape (its groups disappear
 * until it answers again) rather than failing `/metrics`.
 * Throws when the registry already holds them (register once per process).
 */
export function registerStreamLagMetrics(registry: Registry, streams: readonly Stream[]): void {
  const registers = [registry];
  let inFlight: Promise<{ stream: string; lag: ShardLag[] }[]> | undefined;
  // both gauges are collected in one scrape: they share one lag() call per stream
  const lagOnce = () => {
    inFlight ??= Promise.all(
      streams.map((s) =>
        s.lag().then(
          (lag) => ({ stream: s.name, lag }),
          () => ({ stream: s.name, lag: [] as ShardLag[] }),
        ),
      ),
    ).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const gauge = (name: string, help: string, fold: (acc: number, l: ShardLag) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['stream', 'group'] as const,
      registers,
      async collect() {
        this.reset();
        for (const { stream, lag } of await lagOnce()) {
          const byGroup = new Map<string, number>();
          for (const l of lag) byGroup.set(l.group, fold(byGroup.get(l.group) ?? 0, l));
          for (const [group, v] of byGroup) this.set({ stream, group }, v);
        }
      },
    });
  gauge(
    'faresight_stream_lag_records',
    'Records a consumer group has not committed yet, over all shards',
    (n, l) => n + l.records,
  );
  gauge(
    'faresight_stream_lag_seconds',
    'Age of the oldest record a consumer group has not committed yet (0 when caught up)',
    (m, l) => Math.max(m, l.oldestAgeMs / 1000),
  );
}
