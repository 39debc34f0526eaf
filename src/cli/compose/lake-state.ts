/**
 * Compaction and lifecycle state of each lake table, for the Console's Lake page: how
 * many files readers read, how many of them are small writer files still waiting for a
 * compaction and how many are compacted, what superseded files await deletion, and
 * which partitions the lifecycle policy would archive or delete now (local lake; an S3
 * lake's lifecycle is the bucket's rules).
 */
import type { LakeTableState } from '../../console/console-backend.js';
import { listPartitions } from '../../lake/compaction/visible-files.js';
import type { LifecycleAction } from '../../lake/lifecycle/local-lifecycle.js';
import type { ObjectStore } from '../../lake/object-store/object-store.js';
import { LAKE_TABLES } from '../../lake/tables.js';

/** The state of every lake table. `lifecycle` plans the local lake's actions (none = not local). */
export async function lakeState(
  store: ObjectStore,
  lifecycle: (() => Promise<LifecycleAction[]>) | undefined,
): Promise<LakeTableState[]> {
  const actions = lifecycle ? await lifecycle() : undefined;
  const out: LakeTableState[] = [];
  for (const table of LAKE_TABLES) {
    const parts = await listPartitions(store, `${table}/`);
    const compactedKeys = new Set(
      parts.flatMap((p) => p.compacted.map((c) => `${p.prefix}${c.name}`)),
    );
    const visible = parts.flatMap((p) => p.visible);
    const mine = actions?.filter((a) => a.table === table && a.tier === 'lake');
    out.push({
      table,
      partitions: parts.length,
      files: visible.length,
      bytes: visible.reduce((n, o) => n + o.size, 0),
      compactedFiles: visible.filter((o) => compactedKeys.has(o.key)).length,
      smallFiles: visible.filter((o) => !compactedKeys.has(o.key)).length,
      compactedPartitions: parts.filter((p) => p.compacted.length > 0).length,
      obsoleteFiles: parts.reduce((n, p) => n + p.obsolete.length, 0),
      lifecycle: mine
        ? {
            toArchive: mine.filter((a) => a.kind === 'archive').map((a) => a.dt),
            toDelete: mine.filter((a) => a.kind === 'delete').map((a) => a.dt),
          }
        : null,
    });
  }
  return out;
}
