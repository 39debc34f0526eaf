/**
 * For the whole-fleet test (issue 19): every role as its own `faresight` child process on
 * the distributed backends of this machine: a JetStream stream (its checkpoints and
 * leases in JetStream KV) under a prefix of its own, a PostgreSQL database of its own for
 * the row store, a Redis key prefix of its own for the cache, and an S3 lake in an s3rver
 * bucket started in this process. `close()` kills what is left and removes all of it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Config } from '../../config/config.js';
import { loadConfig } from '../../config/load-config.js';
import { type RunningS3rver, startS3rver } from '../../lake/object-store/testing/with-s3rver.js';
import { searchRecord } from '../../model/search-record.js';
import type { ShoppingRecord } from '../../model/shopping-record.js';
import { silentLogger } from '../../ops/logger.js';
import { JetStreamStream } from '../../stream/jetstream/jetstream-stream.js';
import type { LeaseStore } from '../../stream/lease/lease-store.js';
import type { Stream } from '../../stream/stream.js';
import { openLeaseStore } from '../compose/leases.js';
import { openStream } from '../compose/stream.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'faresight.mjs');
const PG = 'postgres://postgres@127.0.0.1:5432';
/** Shards of the shopping stream: 3 lake writers hold 2 each, 2 runners 3 each. */
export const FLEET_SHARDS = 6;
/** Lease time of every consumer: short, so shards move within seconds. */
export const FLEET_LEASE_SECONDS = 3;
/** Consumer groups of the shopping stream the fleet runs. */
export const FLEET_GROUPS = ['lake', 'rt-serving', 'rt-deals'] as const;
/** Longest a process may take to say where it listens (the machine may be busy). */
const START_MS = 240_000;

export type FleetRole = 'ingest' | 'lake' | 'realtime' | 'api';

/** One `faresight <role>` child process. */
export interface FleetProcess {
  readonly role: FleetRole;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Where ingest or the API listens, once it said so. */
  url(): Promise<string>;
  /** Everything it logged so far. */
  log(): string;
  readonly exited: Promise<void>;
}

export interface WholeFleet {
  readonly config: Config;
  readonly stream: Stream;
  readonly leases: LeaseStore;
  readonly db: pg.Client;
  start(role: FleetRole): FleetProcess;
  /** Live holders of `group`'s shards, by pid. */
  holders(group: string): Promise<Map<number, number[]>>;
  /** True when every group of FLEET_GROUPS committed every record of the shopping stream. */
  caughtUp(): Promise<boolean>;
  /** Every process's log and each group's lag, for a failure message. */
  explain(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Opens the fleet's backends and writes its config; skip the test before calling this
 * when a server is missing (skipUnlessServers).
 */
export async function openWholeFleet(): Promise<WholeFleet> {
  const run = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'fs-fleet-'));
  const database = `fleet_${run}`;
  const admin = new pg.Client({ connectionString: `${PG}/postgres` });
  await admin.connect();
  await admin.query(`create database ${database}`);
  let s3: RunningS3rver | undefined;
  const procs: FleetProcess[] = [];
  const prefix = `fleet${run}-`;
  const cachePrefix = `fleet${run}:`;
  let stream: Stream | undefined;
  let leases: LeaseStore | undefined;
  let db: pg.Client | undefined;
  const cleanup = async () => {
    for (const p of procs) {
      if (p.proc.exitCode === null && p.proc.signalCode === null) {
        p.proc.kill('SIGCONT');
        p.proc.kill('SIGKILL');
      }
      await p.exited;
    }
    await leases?.close().catch(() => {});
    await stream?.close().catch(() => {});
    await db?.end().catch(() => {});
    for (const name of ['shopping', 'dead-letters', 'ingest-stats', 'deals'])
      await JetStreamStream.destroy('127.0.0.1:4222', `${prefix}${name}`).catch(() => {});
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
    await redis
      .connect()
      .then(async () => {
        const keys = await redis.keys(`${cachePrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      })
      .catch(() => {});
    redis.disconnect();
    await admin.query(`drop database if exists ${database} with (force)`).catch(() => {});
    await admin.end();
    await s3?.close();
    if (process.env.KEEP_FLEET) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
  try {
    s3 = await startS3rver('fleet-lake');
    const raw = {
      dataDir: dir,
      logLevel: 'info',
      stream: {
        backend: 'jetstream',
        servers: '127.0.0.1:4222',
        deploymentPrefix: prefix,
        shards: FLEET_SHARDS,
      },
      consumers: { leases: true, leaseSeconds: FLEET_LEASE_SECONDS },
      ingest: { host: '127.0.0.1', port: 0, statsIntervalSeconds: 5 },
      api: { host: '127.0.0.1', port: 0, maxAgeSeconds: 0 },
      sql: { host: '127.0.0.1', port: 0 },
      lake: {
        objectStore: {
          backend: 's3',
          bucket: s3.options.bucket,
          prefix: 'lake',
          region: s3.options.region,
          endpoint: s3.options.endpoint,
          forcePathStyle: true,
        },
        rotateSeconds: 2,
        compactEveryMinutes: 0,
        batch: { count: 200, periodMs: 200 },
      },
      realtime: { batch: { count: 200, periodMs: 200 } },
      rowStore: { backend: 'postgres', url: `${PG}/${database}` },
      cache: { backend: 'redis', url: 'redis://127.0.0.1:6379', prefix: cachePrefix },
    };
    const cfgPath = join(dir, 'faresight.config.json');
    writeFileSync(cfgPath, JSON.stringify(raw, null, 2));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith('FARESIGHT_')) env[k] = v;
    env.AWS_ACCESS_KEY_ID = 'S3RVER';
    env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    // the test process reads the S3 lake with the same credentials
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    const { config } = loadConfig({ file: cfgPath, env: {} }) as { config: Config };
    stream = await openStream(config, silentLogger);
    leases = await openLeaseStore(config, stream.name);
    db = new pg.Client({ connectionString: `${PG}/${database}` });
    await db.connect();
    const opened = { stream, leases, db };
    return {
      config,
      ...opened,
      start(role) {
        const proc = spawn(process.execPath, [BIN, '-c', cfgPath, role], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env,
        });
        let out = '';
        let onOut = () => {};
        const grow = (d: Buffer) => {
          out += d;
          onOut();
        };
        proc.stdout!.on('data', grow);
        proc.stderr!.on('data', grow);
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        const pattern =
          role === 'ingest'
            ? /ingest listening on=(http:\/\/[^\s,]+)/
            : /API: (http:\/\/\S+?)\/v1\/markets/;
        const url = new Promise<string>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`faresight ${role} said nowhere it listens:\n${out}`)),
            START_MS,
          );
          onOut = () => {
            const m = pattern.exec(out);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          };
          void exited.then(() => {
            clearTimeout(timer);
            reject(new Error(`faresight ${role} exited (${proc.exitCode}):\n${out}`));
          });
        });
        url.catch(() => {});
        const p: FleetProcess = {
          role,
          proc,
          pid: proc.pid!,
          url: () => url,
          log: () => out,
          exited,
        };
        procs.push(p);
        return p;
      },
      async holders(group) {
        const out = new Map<number, number[]>();
        const now = Date.now();
        for (const l of await opened.leases.leases(opened.stream.name, group)) {
          if (l.owner === undefined || l.expiresAt <= now) continue;
          const pid = Number(l.owner.split('-').at(-2));
          out.set(pid, [...(out.get(pid) ?? []), l.shard]);
        }
        return out;
      },
      async caughtUp() {
        for (const group of FLEET_GROUPS) {
          const lag = await opened.stream.lag(group);
          if (lag.length === 0 || lag.some((l) => l.records > 0)) return false;
        }
        return true;
      },
      async explain() {
        const lags = await Promise.all(
          FLEET_GROUPS.map(async (g) => `${g} lag: ${JSON.stringify(await opened.stream.lag(g))}`),
        );
        return [
          ...lags,
          ...procs.map((p) => `--- ${p.role} ${p.pid}:\n${p.log().slice(-4000)}`),
        ].join('\n');
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Stops a process with SIGTERM and asserts a clean exit (it drained, committed, handed off). */
export async function stopFleetProcess(p: FleetProcess): Promise<void> {
  p.proc.kill('SIGTERM');
  await p.exited;
  assert.equal(
    p.proc.exitCode,
    0,
    `faresight ${p.role} ${p.pid} exited with ${p.proc.exitCode}:\n${p.log()}`,
  );
}

const AIRPORTS = ['BOS', 'LAX', 'JFK', 'SFO', 'ORD', 'MIA', 'SEA', 'DEN'];
const CARRIERS = ['AA', 'DL', 'UA', 'B6'];

/**
 * A valid search with id `id`, on one of 56 markets, its offers' amounts and carriers
 * varied by `n`, departing in 20-40 days: enough markets that every shard gets records,
 * and several offers per fare key so that the cheapest one has to be chosen.
 */
export function fleetRecord(id: string, n: number): ShoppingRecord {
  const o = n % AIRPORTS.length;
  const d = (o + 1 + (Math.floor(n / AIRPORTS.length) % (AIRPORTS.length - 1))) % AIRPORTS.length;
  const dep = new Date(Date.now() + (20 + (n % 21)) * 86_400_000).toISOString().slice(0, 10);
  return searchRecord({
    id,
    origin: AIRPORTS[o]!,
    destination: AIRPORTS[d]!,
    departureDate: dep,
    pos: 'US',
    receivedAt: new Date().toISOString(),
    offers: [0, 1, 2].map((k) => ({
      carrier: CARRIERS[(n + k) % CARRIERS.length]!,
      amount: 100 + ((n * 37 + k * 11) % 400) + (n % 100) / 100,
      segment: { departAt: `${dep}T08:00`, arriveAt: `${dep}T11:30` },
    })),
  });
}
