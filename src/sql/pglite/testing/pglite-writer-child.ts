/**
 * Child process of the PGlite crash test: opens the row store's client (PGlite on its
 * thread) on `<dir>` and commits transactions until it is killed. Each inserts BATCH rows
 * with the next ids and moves the `n` of rows already there (an update spread over the
 * table and its index, as the serving upserts are); every 10th is followed by a
 * CHECKPOINT, so that recovery starts from one taken mid-load. After each commit it prints
 * `ACK <last id>`.
 */
import { PGliteClient } from '../pglite-client.js';

const BATCH = 50;
const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: pglite-writer-child <dir>');

const db = await PGliteClient.open({ dir });
await db.exec(`CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, n int NOT NULL, v text NOT NULL);
  CREATE INDEX IF NOT EXISTS t_n ON t (n);`);
const [row] = await db.query<{ last: number | null }>('SELECT max(id) AS last FROM t');
let next = (row?.last ?? 0) + 1;
for (let i = 0; ; i++) {
  const from = next;
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO t (id, n, v) SELECT g, g % 997, repeat(md5(g::text), 4) FROM generate_series($1::int, $2::int) g`,
      [from, from + BATCH - 1],
    );
    await tx.query('UPDATE t SET n = n + 1 WHERE id % 97 = $1', [i % 97]);
  });
  next = from + BATCH;
  process.stdout.write(`ACK ${next - 1}\n`);
  if (i % 10 === 9) await db.exec('CHECKPOINT');
}
