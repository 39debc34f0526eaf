import type { Registry } from 'prom-client';
import { serveProbes } from './compose/probe-server.js';

/**
 * Serves `registry` as Prometheus text on `GET /metrics` at `port` (0 = any free port),
 * with the probe server's `/healthz` beside it; resolves with the metrics URL and a close
 * function.
 */
export async function serveMetrics(
  registry: Registry,
  host: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const probes = await serveProbes(registry, host, port);
  return { url: `${probes.url}/metrics`, close: probes.close };
}
