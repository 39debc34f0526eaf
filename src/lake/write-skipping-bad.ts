/**
 * Bisection of a Parquet write the engine rejects: the records it rejects on their own
 * are found by halving, reported, and the rest written under the same outputs.
 */
import * as fs from 'node:fs/promises';
import { peekShopping } from './duckdb/shopping-staging.js';
import { ParquetWriteError } from './errors.js';
import type { LakeInput, ParquetOutput, ParquetWriter } from './parquet-writer.js';
import type { LakeColumn, LakeTable } from './tables.js';

/** A record the engine cannot write: where it came from, its bytes and vendor when known. */
export interface UnwritableRecord {
  readonly shard: number;
  readonly seq: number;
  readonly body: Uint8Array;
  readonly vendor: string | undefined;
  readonly reason: string;
}

/**
 * Writes `inputs`; when the engine rejects the batch (ParquetWriteError), finds the
 * records it rejects on their own (twice), passes each to `onBad` and writes the rest.
 * When every record fails alone, or one blamed record then writes alone, the failure is
 * not theirs: it is rethrown (and retried by the caller). A LakeStorageError (disk full)
 * is never bisected: it is rethrown at once. Returns the columns written per table and
 * how many records were skipped.
 */
export async function writeSkippingBad(
  parquet: ParquetWriter,
  inputs: LakeInput[],
  outputs: ParquetOutput[],
  onBad: (bad: UnwritableRecord) => void,
): Promise<{ columns: Map<LakeTable, readonly LakeColumn[]>; skipped: number }> {
  const attempt = async (items: readonly LakeInput[], outs: readonly ParquetOutput[]) => {
    await parquet.write(items, outs);
    return new Map(outs.map((o) => [o.table, parquet.columns(o.table)] as const));
  };
  const written = async (items: readonly LakeInput[], skipped: number) => ({
    columns: await attempt(items, outputs),
    skipped,
  });
  try {
    return await written(inputs, 0);
  } catch (err) {
    if (!(err instanceof ParquetWriteError)) throw err;
    const scratch = (): ParquetOutput[] =>
      outputs.map((o) => ({ table: o.table, path: `${o.path}.probe` }));
    const works = async (items: readonly LakeInput[]) => {
      const outs = scratch();
      try {
        await attempt(items, outs);
        return true;
      } catch (e) {
        if (!(e instanceof ParquetWriteError)) throw e;
        return false;
      } finally {
        for (const o of outs) await fs.rm(o.path, { force: true });
      }
    };
    const findBad = async (items: LakeInput[]): Promise<LakeInput[]> => {
      if (await works(items)) return [];
      if (items.length === 1) return items;
      const mid = items.length >> 1;
      return [...(await findBad(items.slice(0, mid))), ...(await findBad(items.slice(mid)))];
    };
    const bad = await findBad(inputs);
    if (bad.length === 0) return await written(inputs, 0);
    if (bad.length === inputs.length && (inputs.length > 1 || !(await works([])))) throw err;
    // A record is blamed only when it fails alone a second time: a failure that came and
    // went while the batch was halved (a disk filling and freeing) is nobody's record.
    for (const b of bad) if (await works([b])) throw err;
    const badSeqs = new Set(bad.map((b) => b.seq));
    for (const b of bad)
      onBad({
        shard: b.shard,
        seq: b.seq,
        reason: `the lake cannot write this record: ${(err as Error).message.split('\n')[0]}`,
        body: b.data ?? Buffer.from(JSON.stringify(b.record)),
        vendor: b.data ? vendorOf(b.data) : (b.record as { vendor?: string }).vendor,
      });
    return await written(
      inputs.filter((i) => !badSeqs.has(i.seq)),
      bad.length,
    );
  }
}

/** The vendor of shopping bytes, when their head can be read. */
function vendorOf(data: Uint8Array): string | undefined {
  try {
    return peekShopping(data).vendor;
  } catch {
    return undefined;
  }
}
