/**
 * A lake SQL result as a download: CSV streamed as the rows come (formatRows, as
 * `faresight query -f csv` writes it), or a Parquet file written by the engine to a
 * temporary directory, streamed, then deleted. A bad statement fails before any byte.
 */

import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { ConsoleInputError } from '../../console/console-backend.js';
import { QueryError } from '../../query/errors.js';
import { formatRows } from '../../query/format-rows.js';
import type { LakeQuery } from '../../query/lake-query.js';

/**
 * The result of `sql` on `lake` in `format`, as a byte stream. `settled` is called once the
 * CSV writing ends: with no error after the last row, with one when it failed or the
 * stream was closed before the end (then the result stops being read).
 */
export async function exportSql(
  lake: LakeQuery,
  sql: string,
  format: 'csv' | 'parquet',
  settled: (err?: Error) => void = () => {},
): Promise<Readable> {
  try {
    if (format === 'parquet') {
      const dir = await mkdtemp(join(tmpdir(), 'faresight-export-'));
      try {
        await lake.toParquet(sql, join(dir, 'result.parquet'));
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
      const file = createReadStream(join(dir, 'result.parquet'));
      file.on('close', () => void rm(dir, { recursive: true, force: true }));
      return file;
    }
    const result = await lake.open(sql);
    const out = new PassThrough();
    // a client gone mid-download destroys `out`: stop reading the result then
    void formatRows('csv', result.columns, result.batches(), async (chunk) => {
      if (out.destroyed) throw new Error('download closed');
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
    }).then(
      () => {
        out.end();
        settled();
      },
      (err: Error) => {
        out.destroy(err);
        settled(err);
      },
    );
    return out;
  } catch (err) {
    if (err instanceof QueryError) throw new ConsoleInputError(err.message);
    throw err;
  }
}
