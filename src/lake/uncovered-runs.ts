/** A seq range already stored in the lake (both ends inclusive). */
export interface CoveredRange {
  readonly first: number;
  readonly last: number;
}

/**
 * Splits `items` (ascending by seq) into the runs still to be written: items whose seq
 * falls inside a `covered` range are dropped (that file already holds them), and a run
 * never spans a covered range, so every file, old or new, holds exactly the records of
 * its partition and shard within its own seq range, and ranges never overlap.
 * `covered` must be sorted by `first` and not overlap.
 */
export function uncoveredRuns<T extends { readonly seq: number }>(
  items: readonly T[],
  covered: readonly CoveredRange[],
): T[][] {
  const runs: T[][] = [];
  let current: T[] = [];
  let currentGap = -1;
  let j = 0;
  for (const item of items) {
    while (j < covered.length && covered[j]!.last < item.seq) j++;
    if (j < covered.length && covered[j]!.first <= item.seq) {
      if (current.length > 0) runs.push(current);
      current = [];
      continue;
    }
    // `j` names the gap the item lies in: before covered[j], or after all ranges.
    if (current.length > 0 && currentGap !== j) {
      runs.push(current);
      current = [];
    }
    currentGap = j;
    current.push(item);
  }
  if (current.length > 0) runs.push(current);
  return runs;
}
