/**
 * Lifecycle tiers on a local lake. A partition is a `dt=YYYY-MM-DD` directory of a table
 * (under its `vendor=` directory, or any other `name=value` directories). Partitions
 * older than `archiveAfterDays` move from `<dataDir>/lake/<table>/...` to
 * `<dataDir>/archive/<table>/...` (same layout, so any Hive-partitioned reader reads the
 * archive too; `faresight query` reads only the lake); partitions older than
 * `deleteAfterDays` are deleted from both. A partition of today (UTC) or later is never
 * touched, whatever the settings.
 *
 * Crash safety: a move is one rename of the dt directory (or, when the archive already
 * holds that partition, one rename per file), so each file is in exactly one tier at
 * every instant. Across filesystems (EXDEV) each file is copied under a temporary name,
 * fsynced and renamed, and only then removed from the lake: a crash leaves it in both
 * tiers and the next run finishes the move. A delete first renames the partition to a
 * hidden `.deleting-` name (queries stop seeing it at once), then removes it; leftovers
 * of a crashed delete are removed by the next run.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { lakeRoot } from '../lake-layout.js';
import { checkPolicy, daysBefore, type LifecyclePolicy } from './lifecycle-policy.js';

/** The archive tier of a local lake: `<dataDir>/archive`, laid out like `<dataDir>/lake`. */
export function archiveRoot(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}/archive`;
}

/** One step of the lifecycle on one partition. */
export interface LifecycleAction {
  readonly kind: 'archive' | 'delete';
  /** Tier the partition is in now. */
  readonly tier: 'lake' | 'archive';
  readonly table: string;
  /** Path of the dt directory below the table, e.g. `vendor=sabre/dt=2026-01-31`. */
  readonly partition: string;
  readonly dt: string;
  /** Absolute path of the partition now, and for `archive` where it goes. */
  readonly from: string;
  readonly to?: string;
  readonly files: number;
  readonly bytes: number;
}

/** Options of planLocalLifecycle. */
export interface LocalLifecycleOptions {
  dataDir: string;
  policy: LifecyclePolicy;
  /** UTC date taken as today [the current date]. */
  today?: string;
}

const DT_DIR = /^dt=(\d{4}-\d{2}-\d{2})$/;
const PARTITION_DIR = /^[a-z_][a-z0-9_]*=[^/]*$/;
const DELETING = '.deleting-';

/**
 * The actions the policy calls for now, oldest partitions first; changes nothing.
 * Removes leftovers of an interrupted delete. Throws LifecycleConfigError.
 */
export async function planLocalLifecycle(
  options: LocalLifecycleOptions,
): Promise<LifecycleAction[]> {
  const { archiveAfterDays, deleteAfterDays } = checkPolicy(options.policy);
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const archiveBefore = archiveAfterDays > 0 ? daysBefore(today, archiveAfterDays) : '';
  const deleteBefore = deleteAfterDays > 0 ? daysBefore(today, deleteAfterDays) : '';
  const roots = { lake: lakeRoot(options.dataDir), archive: archiveRoot(options.dataDir) };
  const actions: LifecycleAction[] = [];
  for (const tier of ['lake', 'archive'] as const) {
    for (const p of await partitions(roots[tier])) {
      if (p.dt >= today) continue;
      const base = { tier, table: p.table, partition: p.partition, dt: p.dt, from: p.dir };
      if (p.dt < deleteBefore) actions.push({ kind: 'delete', ...base, ...(await usage(p.dir)) });
      else if (tier === 'lake' && p.dt < archiveBefore)
        actions.push({
          kind: 'archive',
          ...base,
          to: path.join(roots.archive, p.table, p.partition),
          ...(await usage(p.dir)),
        });
    }
  }
  return actions.sort((a, b) => a.dt.localeCompare(b.dt) || a.from.localeCompare(b.from));
}

/** Carries out one planned action (see the module comment for crash safety). */
export async function applyLifecycleAction(action: LifecycleAction): Promise<void> {
  if (action.kind === 'delete') {
    const hidden = path.join(
      path.dirname(action.from),
      `${DELETING}${path.basename(action.from)}-${randomBytes(4).toString('hex')}`,
    );
    await fs.rename(action.from, hidden);
    await fsyncDir(path.dirname(action.from));
    await fs.rm(hidden, { recursive: true, force: true });
  } else {
    await moveTree(action.from, action.to!);
  }
  await removeEmptyParents(path.dirname(action.from), tableDirOf(action));
}

interface FoundPartition {
  table: string;
  partition: string;
  dt: string;
  dir: string;
}

/** Every dt directory under each table of `root` (tables: its child directories but `ponds`). */
async function partitions(root: string): Promise<FoundPartition[]> {
  const out: FoundPartition[] = [];
  for (const table of await dirs(root)) {
    if (table === 'ponds' || table.startsWith('.') || table.startsWith('_')) continue;
    const walk = async (dir: string, rel: string[]): Promise<void> => {
      for (const name of await dirs(dir)) {
        const full = path.join(dir, name);
        if (name.startsWith(DELETING)) {
          await fs.rm(full, { recursive: true, force: true });
          continue;
        }
        const m = DT_DIR.exec(name);
        if (m) out.push({ table, partition: [...rel, name].join('/'), dt: m[1]!, dir: full });
        else if (PARTITION_DIR.test(name) && rel.length < 4) await walk(full, [...rel, name]);
      }
    };
    await walk(path.join(root, table), []);
  }
  return out;
}

async function dirs(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

async function usage(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const f of await filesUnder(dir)) {
    files++;
    bytes += (await fs.stat(path.join(dir, f))).size;
  }
  return { files, bytes };
}

/** Files below `dir`, as relative paths. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(path.join(d, e.name), r);
      else if (e.isFile()) out.push(r);
    }
  };
  await walk(dir, '');
  return out;
}

/** Moves directory `from` to `to`: one rename when `to` is new, else file by file. */
async function moveTree(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  const exists = await fs.stat(to).then(
    () => true,
    () => false,
  );
  if (!exists) {
    try {
      await fs.rename(from, to);
      await fsyncDir(path.dirname(to));
      await fsyncDir(path.dirname(from));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    }
  }
  for (const rel of await filesUnder(from)) {
    const src = path.join(from, ...rel.split('/'));
    const dst = path.join(to, ...rel.split('/'));
    await fs.mkdir(path.dirname(dst), { recursive: true });
    try {
      // Same name = same stream range = same records: the newer copy replaces the older.
      await fs.rename(src, dst);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      const tmp = `${dst}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      await fs.copyFile(src, tmp);
      const fh = await fs.open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, dst);
      await fsyncDir(path.dirname(dst));
      await fs.rm(src);
    }
    await fsyncDir(path.dirname(dst));
  }
  await fs.rm(from, { recursive: true, force: true });
  await fsyncDir(path.dirname(from));
}

function tableDirOf(action: LifecycleAction): string {
  const depth = action.partition.split('/').length;
  let d = action.from;
  for (let i = 0; i < depth; i++) d = path.dirname(d);
  return d;
}

/** Removes `dir` and its parents up to (not including) `stop` while they are empty. */
async function removeEmptyParents(dir: string, stop: string): Promise<void> {
  for (let d = dir; d.startsWith(stop) && d !== stop; d = path.dirname(d)) {
    try {
      await fs.rmdir(d);
    } catch {
      return;
    }
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
