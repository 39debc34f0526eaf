/**
 * `withIngest(config, fn)`: an ingest app (not listening; use `app.inject`) on fresh
 * embedded streams and a local object store in a temporary directory, removed after `fn`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../config/config.js';
import { LocalObjectStore } from '../../lake/object-store/local/local-object-store.js';
import { silentLogger } from '../../ops/logger.js';
import type { EmbeddedStream } from '../../stream/embedded/embedded-stream.js';
import type { Stream, StreamRecord } from '../../stream/stream.js';
import { createAdapters } from '../../vendors/adapters.js';
import { createIngestApp, type IngestServerOptions } from '../ingest-server.js';
import { openIngestStream } from './ingest-stream.js';

/** What a test gets from `withIngest`. */
export interface IngestEnv {
  /** The temporary directory: a data directory whose `lake/` is `payloads`. */
  dir: string;
  stream: EmbeddedStream;
  deadLetters: EmbeddedStream;
  statsStream: EmbeddedStream;
  payloads: LocalObjectStore;
  app: ReturnType<typeof createIngestApp>['app'];
  stats: ReturnType<typeof createIngestApp>['stats'];
  registry: ReturnType<typeof createIngestApp>['registry'];
  /** Every method and URL the app serves (see createIngestApp). */
  routes: ReturnType<typeof createIngestApp>['routes'];
}

/** Runs `fn` against an ingest app configured with `ingest` (the `ingest` section of the config). */
export async function withIngest(
  ingest: Record<string, unknown>,
  fn: (e: IngestEnv) => Promise<void>,
  extra: Partial<IngestServerOptions> = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fs-ingest-env-'));
  const open = (name: string) => openIngestStream(dir, name);
  const stream = await open('shopping');
  const deadLetters = await open('dead-letters');
  const statsStream = await open('stats');
  const payloads = new LocalObjectStore(join(dir, 'lake'));
  const { app, stats, registry, routes } = createIngestApp({
    config: configSchema.parse({ ingest }),
    stream,
    deadLetters,
    statsStream,
    payloadStore: payloads,
    adapters: createAdapters(),
    logger: silentLogger,
    ...extra,
  });
  try {
    await fn({ dir, stream, deadLetters, statsStream, payloads, app, stats, registry, routes });
  } finally {
    await app.close();
    await Promise.all([stream.close(), deadLetters.close(), statsStream.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

let group = 0;
/** Every record of `s` (one read of a fresh consumer group). */
export async function readAll(s: Stream): Promise<StreamRecord[]> {
  const c = await s.consumer(`read-all-${group++}`, {
    count: 100_000,
    bytes: 1 << 30,
    periodMs: 10,
  });
  try {
    return [...(await c.read()).records];
  } finally {
    await c.close();
  }
}

/** POSTs `body` to `/v1/ingest/<vendor>` of `app` as JSON unless `headers` say otherwise. */
export function postIngest(
  app: IngestEnv['app'],
  body: string | Buffer,
  headers: Record<string, string> = {},
  vendor = 'generic',
) {
  return app.inject({
    method: 'POST',
    url: `/v1/ingest/${vendor}`,
    payload: body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
