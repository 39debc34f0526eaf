/**
 * Reliability: a child runs the lake writer under load and is killed with SIGKILL at
 * random moments; after a final run the lake holds every appended record exactly once.
 * `STRESS_KILLS=50 node scripts/test.mjs lake-writer-crash` for a long run; `npm test`
 * does 3 kills.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { variedRecord } from '../model/testing/records.js';
import { openLakeReader } from './testing/lake-reader.js';
import { sampleStatsRow, statsAppend } from './testing/side-records.js';
import { openTestStream, recordAppend } from './testing/test-stream.js';

const KILLS = Number(process.env.STRESS_KILLS ?? 3);
const PER_ROUND = 400;
const child = join(import.meta.dirname, 'testing', 'lake-writer-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'fs-lake-crash-'));
const dataDir = join(dir, 'data');
const streamDir = join(dir, 'stream');
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child; kills it `killAfterMs` after READY, or (undefined) waits for DONE. */
function runChild(killAfterMs: number | undefined): Promise<'killed' | 'done'> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', child, dataDir, streamDir];
    if (killAfterMs === undefined) args.push('--finish');
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let done = false;
    createInterface({ input: p.stdout }).on('line', (line) => {
      if (line === 'READY' && killAfterMs !== undefined)
        setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      if (line === 'DONE') done = true;
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0 && done) resolve('done');
      else reject(new Error(`lake writer child exited with ${code ?? signal}`));
    });
  });
}

describe(`lake writer survives SIGKILL (${KILLS} kills)`, () => {
  it('holds each appended record exactly once', { timeout: 120_000 + KILLS * 10_000 }, async () => {
    const open = (name: string, shards: number) => openTestStream(streamDir, name, { shards });
    const stream = await open('shopping', 2);
    const stats = await open('ingest-stats', 1);
    const ids = new Set<string>();
    let offers = 0;
    let statRows = 0;
    let t = Date.parse('2026-11-26T04:30:00.000Z');
    const appendRound = async (round: number) => {
      const recs = Array.from({ length: PER_ROUND }, (_, i) => {
        t += 3000;
        const r = variedRecord(round * PER_ROUND + i, {
          receivedAtMs: t,
          vendor: i % 5 === 0 ? 'kiwi' : 'generic',
        });
        return { ...r, id: `r${round}-${i}` };
      });
      for (const r of recs) {
        ids.add(r.id);
        offers += r.offers.length;
      }
      for (let i = 0; i < recs.length; i += 100)
        await stream.append(recs.slice(i, i + 100).map(recordAppend));
      const rows = Array.from({ length: 5 }, (_, i) =>
        sampleStatsRow(i, 'generic', t - i * 60_000 - round),
      );
      await stats.append(rows.map(statsAppend));
      statRows += rows.length;
    };
    try {
      let killed = 0;
      for (let k = 0; k < KILLS; k++) {
        await appendRound(k);
        if ((await runChild(150 + Math.floor(Math.random() * 1000))) === 'killed') killed++;
      }
      assert.equal(killed, KILLS);
      await appendRound(KILLS);
      assert.equal(await runChild(undefined), 'done');
    } finally {
      await stream.close();
      await stats.close();
    }
    const q = await openLakeReader(dataDir);
    try {
      const seen = await q.all(
        'select id, count(*) n from searches group by id having count(*) > 1',
      );
      assert.deepEqual(seen, [], 'no record stored twice');
      const [s] = await q.all('select count(*) n, count(distinct id) ids from searches');
      assert.equal(s!.ids, ids.size);
      assert.equal(s!.n, ids.size);
      const missing = await q.all(
        `select unnest([${[...ids].map((i) => `'${i}'`).join(',')}]) id except select id from searches`,
      );
      assert.deepEqual(missing, []);
      const [o] = await q.all(
        'select count(*) n, count(distinct (search_id, offer_index)) k from offers',
      );
      assert.deepEqual(o, { n: offers, k: offers });
      const [st] = await q.all(
        'select count(*) n, count(distinct (id, period_start)) k from ingest_stats',
      );
      assert.equal(st!.n, statRows);
    } finally {
      await q.close();
    }
  });
});
