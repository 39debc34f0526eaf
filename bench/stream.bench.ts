/**
 * `npm run bench -- stream [seconds]`: append and read rates of 2 KB records for the
 * embedded log and (when NATS answers on 127.0.0.1:4222) JetStream, single and
 * aggregated, beside the raw fsync'd write rate of this disk and the raw publish rate of
 * the nats client, all measured in this run.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStream } from '../src/stream/embedded/embedded-stream.js';
import type { Stream } from '../src/stream/stream.js';

const SECONDS = Number(process.argv[2] ?? 3);
const RECORD = Buffer.alloc(2048, 0x61);
const dir = mkdtempSync(join(tmpdir(), 'fs-bench-stream-'));
const rows: [string, number, string][] = [];

function report(name: string, perSec: number, note = '') {
  rows.push([name, perSec, note]);
  console.log(
    `${name.padEnd(48)} ${Math.round(perSec).toLocaleString('en').padStart(12)} /s  ${note}`,
  );
}

function rawFsync(recordsPerSync: number): number {
  const f = join(dir, `raw-${recordsPerSync}`);
  const fd = openSync(f, 'w');
  const chunk = Buffer.concat(Array.from({ length: recordsPerSync }, () => RECORD));
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    writeSync(fd, chunk);
    fsyncSync(fd);
    n += recordsPerSync;
  }
  closeSync(fd);
  return n / SECONDS;
}

async function appendRate(stream: Stream, perAppend: number, concurrency: number): Promise<number> {
  let n = 0;
  let i = 0;
  const end = performance.now() + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const recs = Array.from({ length: perAppend }, () => {
        const k = i++;
        return { key: `M${k % 500}`, id: `b-${perAppend}-${k}`, data: RECORD };
      });
      await stream.append(recs);
      n += perAppend;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return n / ((performance.now() - t0) / 1000);
}

async function readRate(stream: Stream, group: string): Promise<number> {
  const c = await stream.consumer(group, { count: 10_000, bytes: 64 << 20, periodMs: 200 });
  let n = 0;
  const t0 = performance.now();
  for (;;) {
    const b = await c.read();
    if (b.records.length === 0) break;
    n += b.records.length;
    await c.commit(b);
  }
  const secs = (performance.now() - t0 - 200) / 1000;
  await c.close();
  return n / Math.max(secs, 0.001);
}

async function benchStream(label: string, make: (name: string) => Stream) {
  const single = make('single');
  await single.connect();
  report(`${label}: append, 1 record per call (64 in flight)`, await appendRate(single, 1, 64));
  await single.close();
  const agg = make('aggregated');
  await agg.connect();
  report(`${label}: append, 100 records per call (8 in flight)`, await appendRate(agg, 100, 8));
  report(`${label}: read + commit`, await readRate(agg, 'bench'));
  await agg.close();
}

console.log(`stream benchmark: 2 KB records, ${SECONDS} s per figure\n`);
report(
  'disk: write + fsync, 1 record per fsync',
  rawFsync(1),
  '(baseline: durability without group commit)',
);
report(
  'disk: write + fsync, 100 records per fsync',
  rawFsync(100),
  '(baseline: ceiling of group commit)',
);
await benchStream(
  'embedded',
  (name) =>
    new EmbeddedStream({
      dir,
      name,
      shards: 8,
      retentionMs: 86_400_000,
      dedupeWindowMs: 120_000,
      trimIntervalMs: 0,
    }),
);

const jet = await import('./jetstream-bench.js').catch(() => undefined);
if (jet) await jet.run({ seconds: SECONDS, record: RECORD, report, benchStream });

const get = (name: string) => rows.find((r) => r[0].startsWith(name))?.[1] ?? Number.NaN;
console.log('\nratios');
console.log(
  `  embedded aggregated append / disk fsync per record: ${(get('embedded: append, 100') / get('disk: write + fsync, 1 record')).toFixed(1)}x`,
);
console.log(
  `  embedded aggregated append / disk group-commit ceiling: ${((100 * get('embedded: append, 100')) / get('disk: write + fsync, 100')).toFixed(0)}%`,
);
if (jet) jet.ratios(get);
rmSync(dir, { recursive: true, force: true });
