/**
 * Child process for the crash test: appends to an embedded stream as fast as it can and
 * prints `ACK <prefix> <first> <last>` after each append resolves, until it is killed.
 * argv: dir, prefix, shards.
 */
import { EmbeddedStream } from '../embedded/embedded-stream.js';

const [dir, prefix, shards] = process.argv.slice(2) as [string, string, string];
const stream = new EmbeddedStream({
  dir,
  name: 'crash',
  shards: Number(shards),
  retentionMs: 86_400_000,
  dedupeWindowMs: 120_000,
  trimIntervalMs: 0,
});
await stream.connect();
process.stdout.write('READY\n');
let n = 0;
const data = Buffer.alloc(512, 1);
const inflight = new Set<Promise<void>>();
for (;;) {
  const first = n;
  const size = 1 + (n % 97);
  const recs = Array.from({ length: size }, () => {
    const i = n++;
    return { key: `M${i % 37}`, id: `${prefix}-${i}`, data };
  });
  const p: Promise<void> = stream.append(recs).then(() => {
    process.stdout.write(`ACK ${prefix} ${first} ${first + size - 1}\n`);
    inflight.delete(p);
  });
  inflight.add(p);
  if (inflight.size >= 16) await Promise.race(inflight);
}
