/**
 * spawnWorker caps every worker's young generation (WORKER_YOUNG_GENERATION_MB), from a
 * TypeScript entry (the tsx boot script) and from a JavaScript one (a built package): a
 * thread whose objects survive its scavenges keeps its new space within the cap, where the
 * same thread started without it grows past the cap.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { spawnWorker, threadNameOf, WORKER_YOUNG_GENERATION_MB } from './spawn-worker.js';

/**
 * Keeps a ring of about 3 MB of young objects, replaced one by one, so that each scavenge
 * finds megabytes alive (V8 then grows the new space as far as it may), and reports the
 * largest new space it saw and the limits it ran under. Valid as TypeScript and as JavaScript.
 */
const CHURN = `
import { getHeapSpaceStatistics } from 'node:v8';
import { parentPort, resourceLimits } from 'node:worker_threads';
const ring = new Array(25_000);
let most = 0;
for (let i = 0; i < 2_000_000; i++) {
  ring[i % ring.length] = { i, s: 'x' + i, a: [i, i + 1, i + 2] };
  if (i % 5_000 === 0) {
    for (const s of getHeapSpaceStatistics()) {
      if (s.space_name === 'new_space') most = Math.max(most, s.space_size);
    }
  }
}
parentPort.postMessage({ limits: resourceLimits, newSpaceMb: most / 2 ** 20 });
`;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-spawn-worker-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
// the .ts entry is an ES module, as the project's are
fs.writeFileSync(path.join(root, 'package.json'), '{"type":"module"}');

function entry(ext: 'ts' | 'mjs'): URL {
  const file = path.join(root, `churn.${ext}`);
  fs.writeFileSync(file, CHURN);
  return pathToFileURL(file);
}

interface Report {
  limits: ResourceLimits;
  newSpaceMb: number;
}

function report(worker: Worker): Promise<Report> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the thread exited (code ${code}) unanswered`)));
  });
}

/** Two semi-spaces of a third of the young generation each. */
const MOST_NEW_SPACE_MB = (WORKER_YOUNG_GENERATION_MB * 2) / 3;

for (const ext of ['ts', 'mjs'] as const) {
  test(`a worker from a .${ext} entry runs with its young generation capped`, async () => {
    const r = await report(spawnWorker(entry(ext), undefined));
    assert.equal(r.limits.maxYoungGenerationSizeMb, WORKER_YOUNG_GENERATION_MB);
    assert.ok(r.newSpaceMb > 0, 'the thread saw its new space');
    assert.ok(
      r.newSpaceMb <= MOST_NEW_SPACE_MB,
      `new space ${r.newSpaceMb} MB is within ${MOST_NEW_SPACE_MB} MB`,
    );
  });
}

test('without the cap, the same thread grows its new space past it', async () => {
  const r = await report(new Worker(entry('mjs')));
  assert.ok(
    r.newSpaceMb > MOST_NEW_SPACE_MB,
    `new space ${r.newSpaceMb} MB grew past ${MOST_NEW_SPACE_MB} MB`,
  );
});

/** Answers the thread's OS name (Linux) and the workerData it was given. */
const NAMED = `
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
parentPort.postMessage({ comm: readFileSync('/proc/thread-self/comm', 'utf8').trim(), workerData });
`;

for (const ext of ['ts', 'mjs'] as const) {
  test(`a worker from a .${ext} entry is named for what it does (top -H, /proc)`, {
    skip: process.platform !== 'linux' && 'thread names are read from /proc (Linux only)',
  }, async () => {
    const file = path.join(root, `pglite-thread-main.${ext}`);
    fs.writeFileSync(file, NAMED);
    const answer = (w: Worker) =>
      new Promise<{ comm: string; workerData: unknown }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
    const plain = await answer(spawnWorker(pathToFileURL(file), { n: 1 }));
    assert.deepEqual(plain, { comm: 'fs pglite', workerData: { n: 1 } });
    const labelled = await answer(
      spawnWorker(
        pathToFileURL(file),
        2,
        threadNameOf(pathToFileURL(file), 'the stream writer thread'),
      ),
    );
    // Linux keeps 15 bytes of a name
    assert.deepEqual(labelled, { comm: 'fs stream write', workerData: 2 });
  });
}

for (const ext of ['ts', 'mjs'] as const) {
  test(`a .${ext} entry that throws as it loads fails its worker with the entry's error`, async () => {
    // every worker now starts from the naming boot script: a failing entry must still
    // reach the owner's 'error' handler (RestartingWorker restarts on it), not vanish
    const file = path.join(root, `broken-thread-main.${ext}`);
    fs.writeFileSync(file, "throw new Error('the entry refused to load');\n");
    const worker = spawnWorker(pathToFileURL(file), undefined);
    const [err] = (await once(worker, 'error')) as [Error];
    assert.match(err.message, /the entry refused to load/);
    const [code] = (await once(worker, 'exit')) as [number];
    assert.notEqual(code, 0);
  });
}
