/** Test and bench helper: writes generated records into a lake directory as the lake writer lays it out. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DuckDBParquetWriter } from '../../lake/duckdb/duckdb-parquet-writer.js';
import { fileKey, lakeRoot, partitionOf } from '../../lake/lake-layout.js';
import type { LakeInput } from '../../lake/parquet-writer.js';
import { encodeRecord } from '../../model/codec.js';
import type { ShoppingRecord } from '../../model/shopping-record.js';

/**
 * Writes `records` to `<dataDir>/lake/{searches,offers}/vendor=/dt=/hour=/` with the
 * lake's Parquet writer (one file per partition and call, on stream shard `shard`, seqs
 * starting at `firstSeq`). Returns the number of files written per table.
 */
export async function writeLakeRecords(
  dataDir: string,
  records: readonly ShoppingRecord[],
  opts: { shard?: number; firstSeq?: number } = {},
): Promise<number> {
  const root = lakeRoot(dataDir);
  const writer = await DuckDBParquetWriter.open({ stagingDir: path.join(dataDir, 'staging') });
  const groups = new Map<string, LakeInput[]>();
  let seq = opts.firstSeq ?? 1;
  for (const record of records) {
    const p = partitionOf(record.vendor, Date.parse(record.receivedAt));
    const k = `${p.vendor}|${p.dt}|${p.hour}`;
    const list = groups.get(k) ?? [];
    list.push({ shard: opts.shard ?? 0, seq: seq++, data: encodeRecord(record) });
    groups.set(k, list);
  }
  try {
    for (const [k, inputs] of groups) {
      const [vendor, dt, hour] = k.split('|') as [string, string, string];
      const range = { shard: opts.shard ?? 0, first: inputs[0]!.seq, last: inputs.at(-1)!.seq };
      const outputs = (['searches', 'offers'] as const).map((table) => {
        const p = path.join(root, fileKey(table, { vendor, dt, hour }, range));
        return { table, path: p };
      });
      for (const o of outputs) await fs.mkdir(path.dirname(o.path), { recursive: true });
      await writer.write(inputs, outputs);
    }
  } finally {
    await writer.close();
  }
  return groups.size;
}
