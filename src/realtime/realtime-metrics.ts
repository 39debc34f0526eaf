import { Counter, Gauge, type Registry } from 'prom-client';
import type { ShardLag } from '../stream/stream.js';

/** Prometheus metrics of the realtime runner, registered on the registry passed in. */
export interface RealtimeMetrics {
  batches: Counter<'use_case'>;
  records: Counter<'use_case'>;
  failures: Counter<'use_case'>;
  deadLetters: Counter<'use_case'>;
  restarts: Counter<'use_case'>;
  /** Shopping records a use case was handed, by `result`: `shared` (decoded by another group) or `decoded`. */
  decodes: Counter<'use_case' | 'result'>;
}

/**
 * Registers the runner's metrics on `registry`: counters of committed batches and
 * records, failed attempts, dead-lettered records and loop restarts, and two gauges read at scrape
 * time from `lag()`: `faresight_realtime_lag_records` (records not yet committed) and
 * `faresight_realtime_lag_seconds` (age of the oldest), per use case. Throws when the
 * registry already holds them (one runner per registry).
 */
export function registerRealtimeMetrics(
  registry: Registry,
  lag: () => Promise<{ useCase: string; lag: ShardLag[] }[]>,
): RealtimeMetrics {
  const registers = [registry];
  // Both gauges are collected concurrently in one scrape: they share one lag() call.
  let inFlight: ReturnType<typeof lag> | undefined;
  const lagOnce = () => {
    inFlight ??= lag().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const gauge = (
    name: string,
    help: string,
    value: (shards: ShardLag[]) => number,
  ): Gauge<'use_case'> =>
    new Gauge({
      name,
      help,
      labelNames: ['use_case'] as const,
      registers,
      async collect() {
        for (const { useCase, lag: shards } of await lagOnce())
          this.set({ use_case: useCase }, value(shards));
      },
    });
  gauge('faresight_realtime_lag_records', 'Records a use case has not committed yet', (shards) =>
    shards.reduce((n, l) => n + l.records, 0),
  );
  gauge(
    'faresight_realtime_lag_seconds',
    'Age of the oldest record a use case has not committed yet',
    (shards) => shards.reduce((m, l) => Math.max(m, l.oldestAgeMs), 0) / 1000,
  );
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['use_case'] as const, registers });
  return {
    batches: counter('faresight_realtime_batches_total', 'Batches processed and committed'),
    records: counter('faresight_realtime_records_total', 'Records processed in committed batches'),
    failures: counter('faresight_realtime_failures_total', 'Failed attempts that were retried'),
    deadLetters: counter(
      'faresight_realtime_dead_letters_total',
      'Records sent to the dead-letter stream',
    ),
    restarts: counter(
      'faresight_realtime_restarts_total',
      'Times a use case loop crashed and was restarted from its last committed checkpoint',
    ),
    decodes: new Counter({
      name: 'faresight_realtime_decodes_total',
      help: 'Shopping records a use case was handed: decoded by itself, or shared (decoded once by another group reading them)',
      labelNames: ['use_case', 'result'] as const,
      registers,
    }),
  };
}
