/**
 * A worker started by spawnWorker collects its garbage as V8 does by default, not only
 * once it reaches the main thread's 256 MB initial old space (bin/node-flags.json).
 * Each side runs in a child process started with the flags: a thread keeps a ring of
 * 100,000 small objects, replaced 8 million times (old-space garbage, about 40 MB live),
 * and reports the largest heap it saw. The control starts the same thread with
 * `new Worker` directly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';

const flags = JSON.parse(readFileSync('bin/node-flags.json', 'utf8')) as string[];
const dir = mkdtempSync(join(tmpdir(), 'fs-spawn-worker-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const churn = join(dir, 'churn.mjs');
writeFileSync(
  churn,
  `import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
const ring = new Array(100_000);
let max = 0;
for (let i = 0; i < 8_000_000; i++) {
  ring[i % 100_000] = { a: 'x'.repeat(20) + i, b: [i, i + 1, i + 2] };
  if (i % 100_000 === 0) max = Math.max(max, getHeapStatistics().total_heap_size);
}
parentPort.postMessage(Math.round(max / 1048576));
`,
);

/** The largest heap (MB) of the churning thread, started by `how` in a child process. */
function maxHeapMb(how: 'spawnWorker' | 'new Worker'): number {
  const start =
    how === 'spawnWorker'
      ? `const { spawnWorker } = await import(${JSON.stringify(pathToFileURL('src/ops/spawn-worker.ts').href)});
const w = spawnWorker(new URL(${JSON.stringify(pathToFileURL(churn).href)}), undefined);`
      : `const { Worker } = await import('node:worker_threads');
const w = new Worker(new URL(${JSON.stringify(pathToFileURL(churn).href)}));`;
  const script = join(dir, `${how.replace(' ', '-')}.mjs`);
  writeFileSync(
    script,
    `${start}\nw.once('message', (mb) => { console.log(mb); void w.terminate(); });\n`,
  );
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', script], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test("a spawned worker does not take the main thread's initial old space", () => {
  const control = maxHeapMb('new Worker');
  const spawned = maxHeapMb('spawnWorker');
  // the flag applies to a thread started without the reset: its heap passed 256 MB
  assert.ok(control > 256, `control thread's largest heap: ${control} MB`);
  assert.ok(
    spawned < control / 2,
    `spawned thread's largest heap ${spawned} MB, control's ${control} MB`,
  );
});
