/**
 * Examples the OpenAPI documents of every process share: the answers of `GET /metrics`
 * and `GET /openapi.json`, which every HTTP server of Faresight serves alike.
 */

/** A few lines of the Prometheus text every `/metrics` answers with. */
export const PROMETHEUS_EXAMPLE = [
  '# HELP faresight_process_resident_memory_bytes Resident memory size in bytes.',
  '# TYPE faresight_process_resident_memory_bytes gauge',
  'faresight_process_resident_memory_bytes 187392000',
  '# HELP faresight_nodejs_eventloop_lag_seconds Lag of event loop in seconds.',
  '# TYPE faresight_nodejs_eventloop_lag_seconds gauge',
  'faresight_nodejs_eventloop_lag_seconds 0.0021',
  '',
].join('\n');

/** The head of an OpenAPI document, as `GET /openapi.json` answers it. */
export const OPENAPI_EXAMPLE = {
  openapi: '3.1.0',
  info: { title: 'Faresight', version: '1.0.0' },
  paths: { '/healthz': { get: { operationId: 'health' } } },
};
