/**
 * Child process for the lease tests: one member of a consumer group on an embedded
 * stream. argv: dir, name, shards, group, owner, ttlMs, mode.
 * - mode `run`: reads and commits until killed; prints `{"held":[...]}` whenever the
 *   shards it reads change and `{"committed":[ids]}` after each commit.
 * - mode `hold`: reads until a batch has records, prints `{"read":[ids]}`, then waits for
 *   a line `commit` on stdin, commits, and prints `{"commit":"ok"}` or
 *   `{"commit":"fenced","error":...}` (a commit attempted after a pause).
 */
import { createInterface } from 'node:readline';
import { openEmbeddedLeaseStore } from '../embedded/embedded-lease-sql.js';
import { EmbeddedStream } from '../embedded/embedded-stream.js';
import { FencedError } from '../lease/lease-store.js';
import { LeasedConsumer } from '../lease/leased-consumer.js';

const [dir, name, shards, group, owner, ttlMs, mode] = process.argv.slice(2) as string[];
const stream = new EmbeddedStream({
  dir: dir!,
  name: name!,
  shards: Number(shards),
  retentionMs: 86_400_000,
  dedupeWindowMs: 0,
  trimIntervalMs: 0,
  writerThread: false,
});
await stream.connect();
const store = openEmbeddedLeaseStore(dir!, name!);
const consumer = await LeasedConsumer.open(
  stream,
  group!,
  { count: 50, bytes: 1 << 20, periodMs: 20 },
  { store, owner: owner!, ttlMs: Number(ttlMs), renewMs: Math.max(20, Number(ttlMs) / 5) },
);
const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
if (mode === 'hold') {
  const lines = createInterface({ input: process.stdin });
  const commands = lines[Symbol.asyncIterator]();
  for (;;) {
    const b = await consumer.read();
    if (b.records.length === 0) continue;
    say({ read: b.records.map((r) => r.id), held: consumer.shards() });
    await commands.next();
    try {
      await consumer.commit(b);
      say({ commit: 'ok' });
    } catch (err) {
      say({ commit: err instanceof FencedError ? 'fenced' : 'failed', error: String(err) });
    }
    process.exit(0);
  }
}
let shown = '';
for (;;) {
  const b = await consumer.read();
  const held = JSON.stringify(consumer.shards());
  if (held !== shown) {
    shown = held;
    say({ held: consumer.shards() });
  }
  if (b.records.length === 0) continue;
  try {
    await consumer.commit(b);
    say({ committed: b.records.map((r) => r.id) });
  } catch (err) {
    if (!(err instanceof FencedError)) throw err;
    say({ fenced: err.shards });
  }
}
