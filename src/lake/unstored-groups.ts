import { mergeRanges } from './compaction/partition-manifest.js';
import { listPartitions } from './compaction/visible-files.js';
import { type Partition, partitionPrefix, type SeqRange } from './lake-layout.js';
import type { ObjectStore } from './object-store/object-store.js';
import type { LakeInput } from './parquet-writer.js';
import type { LakeTable } from './tables.js';
import { uncoveredRuns } from './uncovered-runs.js';

/** Records to write as one seq range, and the tables that lack them. */
export interface UnstoredGroup {
  readonly inputs: LakeInput[];
  readonly tables: LakeTable[];
}

/**
 * The records of one buffered file (`inputs` of `shard` in `partition`) that no visible
 * file of the store (small or compacted) holds yet, per table, grouped by seq range: what
 * a first delivery or a replay must still write. Lists the store once per table.
 * `relyOn` says which visible files count as holding their rows [all]: a leased writer
 * leaves out the files an earlier owner wrote past the checkpoint it took over at, so it
 * writes those rows again under its own epoch and its files win (visible-files.ts).
 */
export async function unstoredGroups(
  store: ObjectStore,
  tables: readonly LakeTable[],
  file: { readonly partition: Partition; readonly shard: number; readonly inputs: LakeInput[] },
  relyOn: (range: SeqRange) => boolean = () => true,
): Promise<UnstoredGroup[]> {
  const groups = new Map<string, { inputs: LakeInput[]; tables: LakeTable[] }>();
  for (const table of tables) {
    const prefix = partitionPrefix(table, file.partition);
    const [part] = await listPartitions(store, prefix);
    const covered = mergeRanges(
      (part?.ranges ?? []).filter((r) => r.shard === file.shard && relyOn(r)),
    );
    for (const run of uncoveredRuns(file.inputs, covered)) {
      const id = `${run[0]!.seq}-${run[run.length - 1]!.seq}`;
      const g = groups.get(id) ?? { inputs: run, tables: [] };
      g.tables.push(table);
      groups.set(id, g);
    }
  }
  return [...groups.values()];
}
