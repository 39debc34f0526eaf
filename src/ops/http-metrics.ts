/**
 * Prometheus metrics of an HTTP service and of its process, registered once per registry:
 * `faresight_http_requests_total` and `faresight_http_request_duration_seconds` by
 * service, method, route pattern and status, and prom-client's default process metrics
 * (CPU, memory, open handles, event-loop lag, garbage collection) under `faresight_`.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, type Registry } from 'prom-client';

/** Latency buckets, seconds: from sub-millisecond reads to multi-second uploads. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const LABELS = ['service', 'method', 'route', 'status'] as const;

/** The one metric named `name` in `registry`, created by `make` the first time. */
function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Registers the process metrics on `registry` unless they are there already. */
export function ensureProcessMetrics(registry: Registry): void {
  if (registry.getSingleMetric('faresight_process_cpu_seconds_total')) return;
  collectDefaultMetrics({ register: registry, prefix: 'faresight_' });
}

/**
 * Counts and times every response of `app` as `service`. The route label is the
 * matched pattern (`/v1/markets/:market`), or `unmatched` for a 404 with no route, so a
 * scan of random URLs cannot grow the label set.
 */
export function instrumentHttp(app: FastifyInstance, registry: Registry, service: string): void {
  ensureProcessMetrics(registry);
  const requests = once(
    registry,
    'faresight_http_requests_total',
    () =>
      new Counter({
        name: 'faresight_http_requests_total',
        help: 'HTTP requests answered, by service, method, route pattern and status',
        labelNames: LABELS,
        registers: [registry],
      }),
  );
  const latency = once(
    registry,
    'faresight_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'faresight_http_request_duration_seconds',
        help: 'Time from request to response, seconds, by service, method, route pattern and status',
        labelNames: LABELS,
        buckets: BUCKETS,
        registers: [registry],
      }),
  );
  app.addHook('onResponse', async (req, reply) => {
    const labels = {
      service,
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });
}
