import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Paths the probe server answers; the deploy manifests' probes of lake and etl name these. */
export const PROBE_PATHS = ['/healthz', '/metrics'] as const;

/**
 * The HTTP side of a role that serves no HTTP of its own (`faresight lake`, `faresight
 * etl`): `GET /healthz` answers 200 `{"status":"ok"}` while the process's event loop turns
 * (a liveness probe), `GET /metrics` the Prometheus text of `registry`. Listens on `port`
 * (0 = any free port) at `host`; resolves with the base URL and a close function.
 */
export async function serveProbes(
  registry: Registry,
  host: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
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
