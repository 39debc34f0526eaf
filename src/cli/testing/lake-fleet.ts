/**
 * For the lake scale-out tests: `faresight lake` processes sharing the `lake` group of one
 * stream by lease (consumers.leases), on the backends of a config file the fixture writes.
 * The test process appends records, watches who holds which shard in the lease store, and
 * counts the lake's rows by record id through DuckDB. `close()` kills what is left.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../../config/config.js';
import { loadConfig } from '../../config/load-config.js';
import { encodeRecord } from '../../model/codec.js';
import { marketKey } from '../../model/shopping-record.js';
import { variedRecord } from '../../model/testing/records.js';
import { silentLogger } from '../../ops/logger.js';
import { DuckDBLakeQuery } from '../../query/duckdb/duckdb-lake-query.js';
import type { LeaseStore } from '../../stream/lease/lease-store.js';
import type { Stream } from '../../stream/stream.js';
import { openLeaseStore } from '../compose/leases.js';
import { openStream, streamDir } from '../compose/stream.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'faresight.mjs');
/** Shards of the shopping stream. */
export const SHARDS = 4;
/** Lease time of the writers: short, so a takeover happens within seconds. */
export const LEASE_SECONDS = 3;
/** Idle time after which a writer publishes a file that stopped growing. */
const ROTATE_S = 10;

/** One `faresight lake` child process. */
export interface LakeProcess {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Everything it logged so far. */
  log(): string;
  exited: Promise<void>;
}

export interface LakeFleet {
  readonly stream: Stream;
  readonly leases: LeaseStore;
  /** Starts another writer. */
  start(): LakeProcess;
  /**
   * SIGSTOPs a writer. On the embedded stream, outside a write transaction of the
   * stream's SQLite databases: a process paused inside one holds the database's one write
   * lock and stops every other process until it resumes (a limit in docs/scale-out.md).
   */
  pause(p: LakeProcess): Promise<void>;
  /** Appends `n` shopping records with ids `<prefix><i>`; resolves their ids. */
  append(n: number, prefix: string): Promise<string[]>;
  /** The shards of the `lake` group on the shopping stream each live writer holds, by pid. */
  holders(): Promise<Map<number, number[]>>;
  /** True when the `lake` group committed every record of the shopping stream. */
  caughtUp(): Promise<boolean>;
  /** The writers' logs and the group's lag, for a failure message. */
  explain(): Promise<string>;
  /** Searches rows in the lake per record id, as a reader of the lake sees them. */
  rowsById(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** Polls `cond` until it holds; fails naming `what` after `maxMs` (a hang guard, not a timing check). */
export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  explain: () => Promise<string> = async () => '',
  maxMs = 120_000,
): Promise<void> {
  const until = Date.now() + maxMs;
  while (!(await cond())) {
    if (Date.now() > until) assert.fail(`gave up waiting for ${what}\n${await explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Writes a config (`overrides` on top of a lake that rotates files on size, or ROTATE_S
 * after their last record arrived, so a writer holds records read but not yet published
 * for a while) and opens the shopping stream and the lease store it names.
 */
export async function openLakeFleet(overrides: Record<string, unknown> = {}): Promise<LakeFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'fs-lake-fleet-'));
  const cfgPath = join(dir, 'faresight.config.json');
  const raw = {
    dataDir: dir,
    logLevel: 'info',
    consumers: { leases: true, leaseSeconds: LEASE_SECONDS },
    lake: {
      rotateSeconds: ROTATE_S,
      rotateBytes: 16_384,
      compactEveryMinutes: 0,
      batch: { count: 100, periodMs: 100 },
    },
    ...overrides,
    stream: { shards: SHARDS, ...(overrides.stream as object | undefined) },
  };
  writeFileSync(cfgPath, JSON.stringify(raw));
  const { config } = loadConfig({ file: cfgPath, env: {} }) as { config: Config };
  const stream = await openStream(config, silentLogger);
  const leases = await openLeaseStore(config, stream.name);
  const procs: LakeProcess[] = [];
  const t0 = Date.parse('2026-11-26T04:00:00.000Z');
  let appended = 0;
  return {
    stream,
    leases,
    start() {
      const proc = spawn(process.execPath, [BIN, '-c', cfgPath, 'lake'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, FARESIGHT_CONFIG: '' },
      });
      let out = '';
      proc.stdout!.on('data', (d) => {
        out += d;
      });
      proc.stderr!.on('data', (d) => {
        out += d;
      });
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      const p: LakeProcess = { proc, pid: proc.pid!, log: () => out, exited };
      procs.push(p);
      return p;
    },
    async pause(p) {
      const dbs =
        config.stream.backend === 'embedded'
          ? readdirSync(streamDir(config))
              .filter((f) => f.endsWith('.db'))
              .map((f) => join(streamDir(config), f))
          : [];
      for (;;) {
        p.proc.kill('SIGSTOP');
        if (dbs.every(writable)) return;
        p.proc.kill('SIGCONT');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async append(n, prefix) {
      const recs = Array.from({ length: n }, (_, i) => {
        // a millisecond apart: every record of a test falls in one rotation window
        const r = variedRecord(appended + i, {
          receivedAtMs: t0 + appended + i,
          vendor: i % 3 === 0 ? 'kiwi' : 'generic',
        });
        return { ...r, id: `${prefix}${i}` };
      });
      appended += n;
      for (let i = 0; i < recs.length; i += 100)
        await stream.append(
          recs.slice(i, i + 100).map((r) => ({
            key: marketKey(r),
            id: r.id,
            data: encodeRecord(r),
            timestamp: Date.parse(r.receivedAt),
          })),
        );
      return recs.map((r) => r.id);
    },
    async holders() {
      const out = new Map<number, number[]>();
      const now = Date.now();
      for (const l of await leases.leases(stream.name, 'lake')) {
        if (l.owner === undefined || l.expiresAt <= now) continue;
        const pid = Number(l.owner.split('-').at(-2));
        out.set(pid, [...(out.get(pid) ?? []), l.shard]);
      }
      return out;
    },
    async caughtUp() {
      const lag = await stream.lag('lake');
      return lag.length > 0 && lag.every((l) => l.records === 0);
    },
    async explain() {
      const lag = JSON.stringify(await stream.lag('lake'));
      const searches = join(dir, 'lake', 'searches');
      const files = existsSync(searches)
        ? (readdirSync(searches, { recursive: true }) as string[])
            .filter((f) => f.endsWith('.parquet'))
            .sort()
        : [];
      return [
        `lag: ${lag}`,
        `searches files: ${files.join(' ')}`,
        ...procs.map((p) => `writer ${p.pid}:\n${p.log()}`),
      ].join('\n');
    },
    async rowsById() {
      const q = await DuckDBLakeQuery.open({ dataDir: config.dataDir });
      try {
        const rows = await q.all('select id, count(*)::int n from searches group by id');
        return new Map(rows.map((r) => [String(r.id), Number(r.n)]));
      } finally {
        await q.close();
      }
    },
    async close() {
      for (const p of procs) {
        if (p.proc.exitCode === null && p.proc.signalCode === null) {
          p.proc.kill('SIGCONT');
          p.proc.kill('SIGKILL');
        }
        await p.exited;
      }
      await leases.close();
      await stream.close();
      if (process.env.KEEP_LAKE_FLEET) console.log(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when nobody holds the write lock of the SQLite database at `file`. */
function writable(file: string): boolean {
  const db = new Database(file, { timeout: 0 });
  try {
    db.prepare('BEGIN IMMEDIATE').run();
    db.prepare('ROLLBACK').run();
    return true;
  } catch {
    return false;
  } finally {
    db.close();
  }
}

/** Stops a writer with SIGTERM (it flushes, commits and hands its shards off) and waits. */
export async function stopGracefully(p: LakeProcess): Promise<void> {
  p.proc.kill('SIGTERM');
  await p.exited;
  assert.equal(p.proc.exitCode, 0, `faresight lake exited with ${p.proc.exitCode}:\n${p.log()}`);
  assert.doesNotMatch(p.log(), /stop failed/, p.log());
}

/** Asserts that the lake holds each of `ids` exactly once, and nothing else; `why` says what happened. */
export function assertExactlyOnce(
  rows: ReadonlyMap<string, number>,
  ids: readonly string[],
  why = '',
) {
  const missing = ids.filter((id) => !rows.has(id));
  const twice = [...rows].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`);
  assert.deepEqual(missing, [], `records missing from the lake\n${why}`);
  assert.deepEqual(twice, [], `records stored twice\n${why}`);
  assert.equal(rows.size, ids.length, 'rows of records never appended');
}
