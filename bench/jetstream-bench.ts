/**
 * The JetStream part of `npm run bench -- stream`: the raw publish rate of the nats
 * client (JetStream publish with PubAck, 2 KB messages, 64 in flight) against the same
 * server, beside the JetStreamStream figures. Skipped with a note when NATS is not
 * answering on 127.0.0.1:4222.
 */
import { connect, type JetStreamManager, RetentionPolicy, StorageType } from 'nats';
import { JetStreamStream } from '../src/stream/jetstream/jetstream-stream.js';
import type { Stream } from '../src/stream/stream.js';

const SERVERS = process.env.FARESIGHT_BENCH_NATS ?? '127.0.0.1:4222';

interface Ctx {
  seconds: number;
  record: Buffer;
  report(name: string, perSec: number, note?: string): void;
  benchStream(label: string, make: (name: string) => Stream): Promise<void>;
}

async function rawPublish(ctx: Ctx): Promise<number | undefined> {
  const nc = await connect({ servers: SERVERS, timeout: 2000 }).catch(() => undefined);
  if (!nc) return undefined;
  const jsm: JetStreamManager = await nc.jetstreamManager();
  const name = `bench_raw_${process.pid}`;
  await jsm.streams.add({
    name,
    subjects: [`${name}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
  });
  const js = nc.jetstream();
  let n = 0;
  const inflight = new Set<Promise<unknown>>();
  const t0 = performance.now();
  const end = t0 + ctx.seconds * 1000;
  while (performance.now() < end) {
    const p: Promise<unknown> = js
      .publish(`${name}.${n % 8}`, ctx.record)
      .then(() => inflight.delete(p));
    inflight.add(p);
    n++;
    if (inflight.size >= 64) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  const rate = n / ((performance.now() - t0) / 1000);
  await jsm.streams.delete(name);
  await nc.close();
  return rate;
}

export async function run(ctx: Ctx): Promise<void> {
  const raw = await rawPublish(ctx);
  if (raw === undefined) {
    console.log(`(NATS not answering on ${SERVERS}: JetStream figures skipped)`);
    return;
  }
  ctx.report(
    'nats client: js.publish 2 KB, 64 in flight',
    raw,
    '(baseline: raw client publish rate)',
  );
  const names: string[] = [];
  await ctx.benchStream('jetstream', (name) => {
    const n = `bench-${name}-${process.pid}`;
    names.push(n);
    return new JetStreamStream({
      servers: SERVERS,
      name: n,
      shards: 8,
      retentionMs: 3_600_000,
      dedupeWindowMs: 120_000,
    });
  });
  for (const n of names) await JetStreamStream.destroy(SERVERS, n).catch(() => {});
}

export function ratios(get: (name: string) => number): void {
  const raw = get('nats client');
  if (Number.isNaN(raw)) return;
  console.log(
    `  jetstream single-record append / raw client publish: ${((100 * get('jetstream: append, 1 record')) / raw).toFixed(0)}%`,
  );
  console.log(
    `  jetstream aggregated append / raw client publish: ${((100 * get('jetstream: append, 100')) / raw).toFixed(0)}%`,
  );
}
