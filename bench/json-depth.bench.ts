/**
 * `npm run bench -- json-depth`: what ingest's refusals before parsing cost. The nesting
 * scan (src/ingest/json-depth.ts) over a batch of 100 generated records, beside
 * JSON.parse of the same body (the baseline: the parse every accepted body gets anyway);
 * the scan refusing 64 MB of `[` (which JSON.parse would nest 64 million deep); and
 * decodeBody stopping a gzip bomb (1 GiB of zeros) at the 64 MiB limit, with the heap
 * and RSS growth it cost.
 */
import { gzipSync } from 'node:zlib';
import { createGenerator } from '../src/generator/generator.js';
import { decodeBody } from '../src/ingest/decode-body.js';
import { BodyTooLargeError } from '../src/ingest/errors.js';
import { jsonDepthExceeds } from '../src/ingest/json-depth.js';

function best(n: number, fn: () => void): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const g = createGenerator({ seed: 7 });
const batch = Buffer.from(JSON.stringify(Array.from({ length: 100 }, () => g.next())));
const scan = best(30, () => jsonDepthExceeds(batch, 64));
const parse = best(30, () => JSON.parse(batch.toString('utf8')));
console.log(
  `batch of 100 records, ${(batch.length / 1024).toFixed(0)} KiB: nesting scan ${scan.toFixed(2)} ms, JSON.parse (baseline) ${parse.toFixed(2)} ms, scan/parse ${(scan / parse).toFixed(2)}`,
);

const deep = Buffer.alloc(64 * 1024 * 1024, 0x5b);
const refuse = best(5, () => {
  if (!jsonDepthExceeds(deep, 64)) throw new Error('not refused');
});
console.log(`64 MiB of '[' refused by the scan in ${refuse.toFixed(3)} ms (stops at depth 65)`);

const bomb = gzipSync(Buffer.alloc(1024 * 1024 * 1024));
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
try {
  await decodeBody(bomb, 'gzip', 64 * 1024 * 1024);
  throw new Error('bomb not refused');
} catch (err) {
  if (!(err instanceof BodyTooLargeError)) throw err;
}
console.log(
  `gzip bomb, ${(bomb.length / 1024 / 1024).toFixed(1)} MiB inflating to 1 GiB: refused after ${(performance.now() - t0).toFixed(0)} ms, RSS grew ${((process.memoryUsage().rss - rss0) / 1024 / 1024).toFixed(0)} MiB (limit 64 MiB)`,
);
