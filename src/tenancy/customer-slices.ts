/**
 * Per-customer pond slices: each granted pond narrowed to the customer's markets and
 * points of sale, written into the customer's own area as
 * `<lake>/customers/<customer>/ponds/<pond>/data.parquet` (with `slice.json` saying which
 * grant and which pond files it was built from). A customer's SQL session may read only
 * its own area, so it can reach no row outside its grant whatever SQL it runs.
 *
 * A slice is rebuilt when the pond's files or the grant change, and deleted when the
 * grant goes. It is published atomically: written to a `.tmp-*` name next to it, then
 * renamed over `data.parquet`; a deleted slice is renamed aside before it is removed.
 * Every change of one customer's slices holds its lock file `ponds/.lock`.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { CUSTOMER_NAME, type CustomerStore, type Grant } from './customer-store.js';
import { TenancyError } from './errors.js';
import { withSliceLock } from './slice-lock.js';

/** Directory of a customer's slices, inside its area. Customer job tables may not use this name. */
export const SLICES_DIR = 'ponds';
/** File name of a slice's data. */
export const SLICE_FILE = 'data.parquet';
const MANIFEST = 'slice.json';
/** A `.tmp-*` file older than this is a leftover of a writer that died. */
const STALE_TMP_MS = 3_600_000;

/** What a slice needs to know of a pond: the columns grants narrow by. */
export interface SlicedPond {
  readonly name: string;
  /** Absent: a grant narrowed by market gives an empty slice (fail closed). */
  readonly marketColumn?: string;
  readonly posColumn?: string;
}

/** The sliced ponds of pond job definitions (any object with their `pond` and narrowing columns). */
export function slicedPonds(
  jobs: readonly {
    pond: string;
    marketColumn?: string | undefined;
    posColumn?: string | undefined;
  }[],
): SlicedPond[] {
  return jobs.map((j) => ({
    name: j.pond,
    ...(j.marketColumn ? { marketColumn: j.marketColumn } : {}),
    ...(j.posColumn ? { posColumn: j.posColumn } : {}),
  }));
}

/** Keep rows whose `column` is one of `values`; `column` undefined keeps no row. */
export interface SliceFilter {
  readonly column: string | undefined;
  readonly values: readonly string[];
}

/** Writes slices; the DuckDB implementation is in `duckdb/`. */
export interface SliceWriter {
  /**
   * Reads the Hive-partitioned pond `files` (partition columns typed as the pond's),
   * keeps rows passing every filter and writes them as one Parquet file `target` (also
   * when no row passes). Returns the rows written.
   */
  write(files: readonly string[], filters: readonly SliceFilter[], target: string): Promise<number>;
}

/** A customer's area: `<lake>/customers/<customer>`. Throws TenancyError for a bad name. */
export function customerArea(lakeRoot: string, customer: string): string {
  if (!CUSTOMER_NAME.test(customer))
    throw new TenancyError('customer', `customer name "${customer}" is not valid`);
  return path.join(path.resolve(lakeRoot), 'customers', customer);
}

/** The data file of a customer's slice of `pond` (it may not exist). */
export function sliceFile(lakeRoot: string, customer: string, pond: string): string {
  return path.join(customerArea(lakeRoot, customer), SLICES_DIR, pond, SLICE_FILE);
}

/** Parquet files of a pond (`<pond>/<col>=<value>/*.parquet`), skipping staging and aside directories. */
async function pondFiles(pondDir: string): Promise<{ files: string[]; fingerprint: string }> {
  const files: string[] = [];
  const hash = createHash('sha256');
  const parts = await fs.readdir(pondDir, { withFileTypes: true }).catch(() => []);
  for (const p of parts.filter((e) => e.isDirectory() && !e.name.startsWith('.')).sort(byName)) {
    const dir = path.join(pondDir, p.name);
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const f of entries.filter((e) => e.isFile() && e.name.endsWith('.parquet')).sort(byName)) {
      const file = path.join(dir, f.name);
      const st = await fs.stat(file).catch(() => undefined);
      if (!st) continue;
      files.push(file);
      hash.update(`${p.name}/${f.name}:${st.size}:${st.mtimeMs}\n`);
    }
  }
  return { files, fingerprint: hash.digest('hex') };
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function filtersOf(pond: SlicedPond, grant: Grant): SliceFilter[] {
  const out: SliceFilter[] = [];
  if (grant.markets) out.push({ column: pond.marketColumn, values: grant.markets });
  if (grant.pos) out.push({ column: pond.posColumn, values: grant.pos });
  return out;
}

/** The part of a manifest that says which rows a slice may hold. */
function narrowing(pond: SlicedPond, grant: Grant): string {
  return JSON.stringify({
    pond: pond.name,
    markets: grant.markets ? [...grant.markets].sort() : null,
    pos: grant.pos ? [...grant.pos].sort() : null,
    marketColumn: pond.marketColumn ?? null,
    posColumn: pond.posColumn ?? null,
  });
}

interface Manifest {
  narrowing: string;
  source: string;
  rows: number;
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** What one sync did, per pond. */
export interface SliceSyncResult {
  readonly written: readonly string[];
  readonly removed: readonly string[];
}

/**
 * Keeps customers' slices in line with their grants and the ponds. Syncs of one customer
 * run one at a time: queued within an instance, and under the customer's lock file
 * (slice-lock.ts) across instances and processes, so a pond run's refresh and a session
 * open (or a grant) never delete or overwrite each other's half-done slice.
 */
export class CustomerSlices {
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly opts: {
      /** The lake root (`<dataDir>/lake`). */
      lakeRoot: string;
      writer: SliceWriter;
      ponds: readonly SlicedPond[];
      /** Longest wait for the customer's slice lock; default DEFAULT_SLICE_LOCK_WAIT_MS. */
      lockWaitMs?: number;
    },
  ) {}

  /**
   * Brings `customer`'s slices in line with `grants` (its current grants): writes the
   * slices that are missing or were built from other pond files or another narrowing,
   * and deletes the slices of ponds it holds no grant on. `only` limits the work to one
   * pond. A grant on an unknown pond gets no slice. Throws when a slice whose narrowing
   * changed could not be rebuilt (the old one is deleted first: fail closed); a slice
   * with the right narrowing but older pond files is kept when its rebuild fails.
   */
  sync(customer: string, grants: readonly Grant[], only?: string): Promise<SliceSyncResult> {
    const prev = this.running.get(customer) ?? Promise.resolve();
    const next = prev.then(
      () => this.syncNow(customer, grants, only),
      () => this.syncNow(customer, grants, only),
    );
    const tail = next.catch(() => undefined);
    this.running.set(customer, tail);
    void tail.then(() => {
      if (this.running.get(customer) === tail) this.running.delete(customer);
    });
    return next;
  }

  /**
   * Rebuilds the slices of `pond` for every customer granted it, after the pond was
   * rebuilt. Throws on the first slice that could not be written.
   */
  async refreshPond(
    pond: string,
    customers: Pick<CustomerStore, 'grantees' | 'grants'>,
  ): Promise<void> {
    for (const c of await customers.grantees(pond))
      await this.sync(c, await customers.grants(c), pond);
  }

  /** Deletes every slice of `customer` (the customer was removed). */
  async removeAll(customer: string): Promise<void> {
    await this.sync(customer, []);
  }

  private async syncNow(
    customer: string,
    grants: readonly Grant[],
    only: string | undefined,
  ): Promise<SliceSyncResult> {
    const root = path.join(customerArea(this.opts.lakeRoot, customer), SLICES_DIR);
    return withSliceLock(root, () => this.syncLocked(root, grants, only), this.opts.lockWaitMs);
  }

  private async syncLocked(
    root: string,
    grants: readonly Grant[],
    only: string | undefined,
  ): Promise<SliceSyncResult> {
    const ponds = new Map(this.opts.ponds.map((p) => [p.name, p]));
    const wanted = new Map(
      grants.filter((g) => ponds.has(g.pond)).map((g) => [g.pond, g] as const),
    );
    const written: string[] = [];
    const removed: string[] = [];
    for (const e of await fs.readdir(root, { withFileTypes: true }).catch(() => [])) {
      if (e.name.startsWith('.old-')) {
        await fs.rm(path.join(root, e.name), { recursive: true, force: true });
      } else if (!e.name.startsWith('.') && !wanted.has(e.name) && (!only || only === e.name)) {
        await this.remove(root, e.name);
        removed.push(e.name);
      }
    }
    for (const [name, grant] of wanted) {
      if (only && only !== name) continue;
      const pond = ponds.get(name) as SlicedPond;
      const r = await this.syncOne(root, pond, grant);
      if (r === 'written') written.push(name);
      if (r === 'removed') removed.push(name);
    }
    return { written, removed };
  }

  private async syncOne(
    root: string,
    pond: SlicedPond,
    grant: Grant,
  ): Promise<'written' | 'removed' | 'kept'> {
    const dir = path.join(root, pond.name);
    const want = narrowing(pond, grant);
    const pondDir = path.join(path.resolve(this.opts.lakeRoot), 'ponds', pond.name);
    let lastError: unknown;
    // A pond run swapping partitions while we read can make one attempt fail.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { files, fingerprint } = await pondFiles(pondDir);
      if (files.length === 0) {
        if (!(await exists(dir))) return 'kept';
        await this.remove(root, pond.name);
        return 'removed';
      }
      const have = await readManifest(dir);
      if (
        have?.narrowing === want &&
        have.source === fingerprint &&
        (await exists(path.join(dir, SLICE_FILE)))
      )
        return 'kept';
      // Rows of another narrowing must not stay readable while the new slice is written.
      if (have?.narrowing !== want) await this.remove(root, pond.name);
      try {
        await this.publish(dir, pond, grant, files, { narrowing: want, source: fingerprint });
        return 'written';
      } catch (err) {
        lastError = err;
      }
    }
    const have = await readManifest(dir);
    if (have?.narrowing === want && (await exists(path.join(dir, SLICE_FILE)))) return 'kept';
    await this.remove(root, pond.name);
    throw new Error(
      `the slice of pond ${pond.name} could not be written: ${(lastError as Error)?.message ?? lastError}`,
      { cause: lastError },
    );
  }

  private async publish(
    dir: string,
    pond: SlicedPond,
    grant: Grant,
    files: readonly string[],
    manifest: Omit<Manifest, 'rows'>,
  ): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    const now = Date.now();
    for (const e of await fs.readdir(dir)) {
      if (!e.startsWith('.tmp-')) continue;
      const st = await fs.stat(path.join(dir, e)).catch(() => undefined);
      if (st && now - st.mtimeMs > STALE_TMP_MS) await fs.rm(path.join(dir, e), { force: true });
    }
    const token = randomBytes(6).toString('hex');
    const tmp = path.join(dir, `.tmp-${token}.parquet`);
    const tmpManifest = path.join(dir, `.tmp-${token}.json`);
    try {
      const rows = await this.opts.writer.write(files, filtersOf(pond, grant), tmp);
      await fs.writeFile(tmpManifest, JSON.stringify({ ...manifest, rows }));
      // The old manifest goes first: a crash between the renames leaves data with no
      // manifest, which the next sync deletes before rebuilding.
      await fs.rm(path.join(dir, MANIFEST), { force: true });
      await fs.rename(tmp, path.join(dir, SLICE_FILE));
      await fs.rename(tmpManifest, path.join(dir, MANIFEST));
    } finally {
      await fs.rm(tmp, { force: true });
      await fs.rm(tmpManifest, { force: true });
    }
  }

  private async remove(root: string, name: string): Promise<void> {
    const aside = path.join(root, `.old-${name}-${randomBytes(6).toString('hex')}`);
    const moved = await fs.rename(path.join(root, name), aside).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
    if (moved) await fs.rm(aside, { recursive: true, force: true });
  }
}
