import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { OPENAPI_EXAMPLE, PROMETHEUS_EXAMPLE } from '../../ops/openapi-examples.js';

/** One route of the probe server: what it answers and how the OpenAPI document shows it. */
interface ProbeRoute {
  method: 'GET';
  path: string;
  operation: Record<string, unknown>;
  answer(res: ServerResponse, registry: Registry): void;
}

const json = (res: ServerResponse, status: number, body: string) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);

/**
 * Every route the probe server serves, the one table the server dispatches from and the
 * OpenAPI document is made of.
 */
export const PROBE_ROUTES: readonly ProbeRoute[] = [
  {
    method: 'GET',
    path: '/healthz',
    operation: {
      operationId: 'probeHealth',
      summary: "Liveness: 200 while the process's event loop turns",
      responses: {
        '200': {
          description: 'Up',
          content: { 'application/json': { example: { status: 'ok' } } },
        },
      },
    },
    answer: (res) => json(res, 200, '{"status":"ok"}'),
  },
  {
    method: 'GET',
    path: '/metrics',
    operation: {
      operationId: 'probeMetrics',
      summary:
        "Prometheus metrics of the role (lake writer files, bytes, records, latency, every group's lag; real-time batches; ETL runs) and of the process",
      responses: {
        '200': {
          description: 'Prometheus text format',
          content: { 'text/plain': { schema: { type: 'string' }, example: PROMETHEUS_EXAMPLE } },
        },
      },
    },
    answer: (res, registry) => {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operation: {
      operationId: 'probeOpenapi',
      summary: "This document: the probe server's routes",
      responses: {
        '200': {
          description: 'OpenAPI 3.1',
          content: { 'application/json': { example: OPENAPI_EXAMPLE } },
        },
      },
    },
    answer: (res) => json(res, 200, JSON.stringify(probeOpenApiDocument())),
  },
];

/** Paths the probe server answers; the deploy manifests' probes of lake and etl name these. */
export const PROBE_PATHS = PROBE_ROUTES.map((r) => r.path);

/** The OpenAPI document of the probe server (served at its `/openapi.json`). */
export function probeOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of PROBE_ROUTES)
    paths[r.path] = { [r.method.toLowerCase()]: { ...r.operation, tags: ['operations'] } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Faresight probe server',
      version: '1.0.0',
      description:
        'The HTTP side of a role that serves no HTTP of its own: `faresight lake`, `faresight realtime` and `faresight etl` with `--metrics-port`.',
    },
    paths,
  };
}

/**
 * The HTTP side of a role that serves no HTTP of its own (`faresight lake`, `faresight
 * realtime`, `faresight etl`): the routes of PROBE_ROUTES (`/healthz` answers 200
 * `{"status":"ok"}` while the process's event loop turns, `/metrics` the Prometheus text of
 * `registry`, `/openapi.json` its document), 404 JSON for anything else. Listens on `port`
 * (0 = any free port) at `host`; resolves with the base URL and a close function.
 */
export async function serveProbes(
  registry: Registry,
  host: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const route = PROBE_ROUTES.find((r) => r.method === req.method && r.path === path);
    if (route) route.answer(res, registry);
    else json(res, 404, '{"error":"not_found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
