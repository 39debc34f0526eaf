import { Counter, Gauge, type Registry } from 'prom-client';

/** Prometheus metrics of the ETL runs, registered on the given registry. */
export interface EtlMetrics {
  /** Called after every attempt. */
  observe(
    job: string,
    status: 'succeeded' | 'failed' | 'stopped',
    rows: number,
    consecutiveFailures: number,
  ): void;
  /** Called for a build that did not fit in `etl.memoryLimit` and was run again without one. */
  overLimit(job: string): void;
}

/**
 * Creates the metrics on `registry`: `faresight_etl_runs_total{job,status}`,
 * `faresight_etl_rows_out_total{job}`, `faresight_etl_consecutive_failures{job}` (a job
 * that keeps failing shows a growing value; alert on > 0 for long) and
 * `faresight_etl_last_success_timestamp_seconds{job}` and
 * `faresight_etl_builds_over_limit_total{job}` (builds run again without `etl.memoryLimit`:
 * a pond that keeps needing more than the limit, whose peaks the limit does not bound).
 */
export function createEtlMetrics(registry: Registry): EtlMetrics {
  const runs = new Counter({
    name: 'faresight_etl_runs_total',
    help: 'ETL job attempts by outcome',
    labelNames: ['job', 'status'],
    registers: [registry],
  });
  const rowsOut = new Counter({
    name: 'faresight_etl_rows_out_total',
    help: 'Rows written by ETL jobs',
    labelNames: ['job'],
    registers: [registry],
  });
  const failing = new Gauge({
    name: 'faresight_etl_consecutive_failures',
    help: 'Failed attempts of the job since its last success',
    labelNames: ['job'],
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: 'faresight_etl_last_success_timestamp_seconds',
    help: 'When the job last succeeded (unix seconds)',
    labelNames: ['job'],
    registers: [registry],
  });
  const overLimit = new Counter({
    name: 'faresight_etl_builds_over_limit_total',
    help: 'Pond builds that did not fit in etl.memoryLimit and were run again without one',
    labelNames: ['job'],
    registers: [registry],
  });
  return {
    overLimit(job) {
      overLimit.inc({ job });
    },
    observe(job, status, rows, consecutiveFailures) {
      runs.inc({ job, status });
      if (rows > 0) rowsOut.inc({ job }, rows);
      failing.set({ job }, consecutiveFailures);
      if (status === 'succeeded') lastSuccess.set({ job }, Date.now() / 1000);
    },
  };
}
