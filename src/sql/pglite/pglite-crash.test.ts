/**
 * The embedded row store after SIGKILL: a child commits transactions into PGlite (on the
 * row store's thread, as `up` runs it) and is killed mid-load, KILLS times in a row, each
 * restart recovering from the write-ahead log. Every acknowledged commit must be there,
 * and the table must read the same through its indexes as through its heap.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { PGliteClient } from './pglite-client.js';

const KILLS = Number(process.env.STRESS_KILLS ?? 3);
const child = path.join(import.meta.dirname, 'testing', 'pglite-writer-child.ts');

/** Runs the child on `dir` until it has acknowledged `acks` more commits, then SIGKILLs it; the last acknowledged id. */
function runAndKill(dir: string, acks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let seen = 0;
    let last = 0;
    createInterface({ input: p.stdout! }).on('line', (line) => {
      const m = /^ACK (\d+)$/.exec(line);
      if (!m) return;
      last = Number(m[1]);
      // killed while it writes the next transaction, not between two
      if (++seen === acks) p.kill('SIGKILL');
    });
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else
        reject(new Error(`the writer child exited with ${code ?? signal} after ${seen} commits`));
    });
  });
}

test(`PGlite after ${KILLS} SIGKILLs mid-write: every acknowledged commit is there, indexes agree with the heap`, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-pglite-crash-'));
  const dir = path.join(tmp, 'rowstore');
  try {
    let acked = 0;
    for (let k = 0; k < KILLS; k++) {
      const last = await runAndKill(dir, 40 + k * 17);
      assert.ok(last > acked, `the child committed after restart ${k}`);
      acked = last;
      const db = await PGliteClient.open({ dir });
      try {
        const [heap] = await db.query<{ rows: string; ids: string; n: string }>(
          `SELECT count(*)::text rows, count(*) FILTER (WHERE id <= $1)::text ids, sum(n)::text n FROM t`,
          [acked],
        );
        assert.equal(Number(heap!.ids), acked, 'every acknowledged row is there');
        // the same, read through each index instead of the heap
        await db.exec('SET enable_seqscan = off; SET enable_bitmapscan = off');
        const [byId] = await db.query<{ rows: string }>(
          'SELECT count(*)::text rows FROM t WHERE id > 0',
        );
        const [byN] = await db.query<{ rows: string; n: string }>(
          'SELECT count(*)::text rows, sum(n)::text n FROM t WHERE n >= 0',
        );
        assert.equal(byId!.rows, heap!.rows, 'primary key');
        assert.deepEqual(byN, { rows: heap!.rows, n: heap!.n }, 'index on n');
      } finally {
        await db.close();
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
