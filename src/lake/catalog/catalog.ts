/**
 * The lake's catalog (schema on read): per table its schema versions, partition keys,
 * location and the partitions present. Stored as one JSON object, `_catalog/catalog.json`
 * in the lake, replaced whole through the ObjectStore (an atomic rename locally, an
 * atomic PUT on S3). One writer (the lake writer) updates it; readers may see a
 * slightly stale copy, which is harmless: the files, not the catalog, are the data.
 */
import { CatalogFormatError } from '../errors.js';
import { type Partition, parsePartitionKey } from '../lake-layout.js';
import type { ObjectStore } from '../object-store/object-store.js';
import {
  LAKE_TABLES,
  type LakeColumn,
  type LakeTable,
  PARTITION_COLUMNS,
  TABLE_COLUMNS,
} from '../tables.js';

/** Object key of the catalog, relative to the lake root. */
export const CATALOG_KEY = '_catalog/catalog.json';
/** Format of the stored JSON; bumped on an incompatible change. */
export const CATALOG_FORMAT = 1;

/** One schema of a table: the columns its files hold from `since` on. */
export interface SchemaVersion {
  readonly version: number;
  /** ISO instant the version was first written. */
  readonly since: string;
  readonly columns: readonly LakeColumn[];
}

/** What the catalog knows about one table. */
export interface CatalogTable {
  readonly name: LakeTable;
  /** Key prefix of the table in the lake, e.g. `offers/`. */
  readonly location: string;
  readonly partitionKeys: readonly LakeColumn[];
  /** Oldest first; the last is current. Version 1 is TABLE_COLUMNS. */
  readonly versions: readonly SchemaVersion[];
  /** Partition paths present, `vendor=<v>/dt=<YYYY-MM-DD>/hour=<HH>`, sorted. */
  readonly partitions: readonly string[];
}

/** The stored catalog. */
export interface CatalogData {
  readonly format: number;
  readonly updatedAt: string;
  readonly tables: Readonly<Record<LakeTable, CatalogTable>>;
}

function sameColumns(a: readonly LakeColumn[], b: readonly LakeColumn[]): boolean {
  return a.length === b.length && a.every((c, i) => c.name === b[i]!.name && c.type === b[i]!.type);
}

/** Partition path of `p`, as kept in the catalog and in object keys. */
export function partitionPath(p: Partition): string {
  return `vendor=${p.vendor}/dt=${p.dt}/hour=${p.hour}`;
}

interface MutableTable {
  versions: SchemaVersion[];
  partitions: Set<string>;
}

/**
 * The catalog in memory. `notePartition` and `noteSchema` change it; `save` stores it
 * when something changed. Not safe for two processes writing at once (one lake writer).
 */
export class Catalog {
  private dirty = false;
  private updatedAt: string;

  private constructor(
    private readonly tables: Map<LakeTable, MutableTable>,
    updatedAt: string,
    private readonly clock: () => number,
  ) {
    this.updatedAt = updatedAt;
  }

  /** An empty catalog: every table at schema version 1, no partitions. */
  static empty(now: () => number = Date.now): Catalog {
    const since = new Date(now()).toISOString();
    const tables = new Map<LakeTable, MutableTable>();
    for (const t of LAKE_TABLES)
      tables.set(t, {
        versions: [{ version: 1, since, columns: TABLE_COLUMNS[t] }],
        partitions: new Set(),
      });
    return new Catalog(tables, since, now);
  }

  /** Builds a catalog from stored JSON text. Throws CatalogFormatError. */
  static parse(text: string, key = CATALOG_KEY, now: () => number = Date.now): Catalog {
    let data: CatalogData;
    try {
      data = JSON.parse(text) as CatalogData;
    } catch (err) {
      throw new CatalogFormatError(key, `not JSON (${(err as Error).message})`);
    }
    if (data?.format !== CATALOG_FORMAT)
      throw new CatalogFormatError(key, `unknown format ${String(data?.format)}`);
    const cat = Catalog.empty(now);
    for (const t of LAKE_TABLES) {
      const stored = data.tables?.[t];
      if (!stored) continue;
      if (!Array.isArray(stored.versions) || stored.versions.length === 0)
        throw new CatalogFormatError(key, `table ${t} has no schema versions`);
      cat.tables.set(t, {
        versions: [...stored.versions],
        partitions: new Set(stored.partitions ?? []),
      });
    }
    cat.updatedAt = data.updatedAt;
    return cat;
  }

  /** The stored catalog of `store`, or undefined when there is none. Throws CatalogFormatError. */
  static async load(
    store: ObjectStore,
    now: () => number = Date.now,
  ): Promise<Catalog | undefined> {
    const body = await store.get(CATALOG_KEY);
    if (body === undefined) return undefined;
    return Catalog.parse(Buffer.from(body).toString('utf8'), CATALOG_KEY, now);
  }

  /**
   * The stored catalog, or, when there is none (a lake older than the catalog), one built
   * by listing the lake: partitions from the keys, schemas at version 1. Marked changed
   * so that the next `save` stores it.
   */
  static async loadOrScan(store: ObjectStore, now: () => number = Date.now): Promise<Catalog> {
    const stored = await Catalog.load(store, now);
    if (stored) return stored;
    const cat = Catalog.empty(now);
    for (const t of LAKE_TABLES)
      for (const o of await store.list(`${t}/`)) {
        const p = parsePartitionKey(o.key);
        if (p) cat.notePartition(t, p);
      }
    cat.dirty = true;
    return cat;
  }

  /** True when a change has not been saved yet. */
  get changed(): boolean {
    return this.dirty;
  }

  private mutable(table: LakeTable): MutableTable {
    const t = this.tables.get(table);
    if (!t) throw new Error(`unknown lake table ${table}`);
    return t;
  }

  /** Records that `table` has files in `p`; returns true when the partition is new. */
  notePartition(table: LakeTable, p: Partition): boolean {
    const t = this.mutable(table);
    const key = partitionPath(p);
    if (t.partitions.has(key)) return false;
    t.partitions.add(key);
    this.touch();
    return true;
  }

  /**
   * Records that files of `table` are now written with `columns`; when they differ from
   * the current version, adds a new version and returns it.
   */
  noteSchema(table: LakeTable, columns: readonly LakeColumn[]): SchemaVersion | undefined {
    const t = this.mutable(table);
    const current = t.versions[t.versions.length - 1]!;
    if (sameColumns(current.columns, columns)) return undefined;
    const v: SchemaVersion = {
      version: current.version + 1,
      since: new Date(this.clock()).toISOString(),
      columns: [...columns],
    };
    t.versions.push(v);
    this.touch();
    return v;
  }

  private touch(): void {
    this.dirty = true;
    this.updatedAt = new Date(this.clock()).toISOString();
  }

  /** One table as stored. */
  table(table: LakeTable): CatalogTable {
    const t = this.mutable(table);
    return {
      name: table,
      location: `${table}/`,
      partitionKeys: PARTITION_COLUMNS,
      versions: t.versions,
      partitions: [...t.partitions].sort(),
    };
  }

  /**
   * Every column any version of `table` has had, in order of first appearance, with the
   * type of the latest version that has it: what a reader of all files (union by name) sees.
   */
  allColumns(table: LakeTable): LakeColumn[] {
    const byName = new Map<string, LakeColumn>();
    for (const v of this.mutable(table).versions) for (const c of v.columns) byName.set(c.name, c);
    return [...byName.values()];
  }

  toJSON(): CatalogData {
    const tables = {} as Record<LakeTable, CatalogTable>;
    for (const t of LAKE_TABLES) tables[t] = this.table(t);
    return { format: CATALOG_FORMAT, updatedAt: this.updatedAt, tables };
  }

  /** Stores the catalog (whole, atomically) when it changed since the last save. */
  async save(store: ObjectStore): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await store.put(CATALOG_KEY, Buffer.from(`${JSON.stringify(this.toJSON(), null, 1)}\n`));
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }
}
