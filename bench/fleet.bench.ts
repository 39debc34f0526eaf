/**
 * `npm run bench -- fleet [records]`: real-time records/s of one consumer group (the
 * serving use case, `rt-serving`) run by 1, 2 and 3 `faresight realtime` processes with
 * consumers.leases on the same backends (embedded stream and its SQLite leases, the row
 * store on PostgreSQL at 127.0.0.1:5432), each beside the one-process run measured in the
 * same invocation, with the CPU seconds each process used (so the per-core rate shows on a
 * machine with fewer cores than processes) and by the PostgreSQL backends. Then, with 3 processes, one is SIGKILLed and
 * the bench prints the seconds until its shards had a new owner and until the new owner
 * had committed records appended to them after the kill.
 *
 * Each run: the processes start on a caught-up group and split the shards, process a
 * warm-up append (so loading code and opening connections is not counted), idle a few
 * seconds (their idle CPU is printed); the group is then rewound to the start of the
 * stream (running consumers pick that up) and the clock runs until its lag is zero again,
 * twice: the second replay is the one reported (in the first, each process still compiles
 * its hot code, a cost per process that a short run spreads over fewer records the more
 * processes share it). Each run prints the CPU seconds of every runner (its event loop
 * and its other threads), of the PostgreSQL backends, of the bench and of the rest of the
 * machine, and the bottleneck: the cores when the machine was (nearly) all busy, a
 * runner's event loop when one was, else waiting on the stream, PostgreSQL or the leases.
 * `FLEET_PROFILE=<dir>` makes every runner write a V8 CPU profile there when it stops.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openLeaseStore } from '../src/cli/compose/leases.js';
import { openStream } from '../src/cli/compose/stream.js';
import { configSchema } from '../src/config/config.js';
import { createGenerator } from '../src/generator/generator.js';
import { encodeRecord } from '../src/model/codec.js';
import { marketKey, recordKey } from '../src/model/shopping-record.js';
import { silentLogger } from '../src/ops/logger.js';

const RECORDS = Number(process.argv[2] ?? 20_000);
const SHARDS = 6;
const LEASE_SECONDS = 5;
const GROUP = 'rt-serving';
const PG = process.env.FARESIGHT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CLK_TCK = 100;
const IDLE_MS = 3000;
const WARMUP = 1200;

const dir = mkdtempSync(join(tmpdir(), 'fs-bench-fleet-'));
const db = `fleet_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: PG });
try {
  await admin.connect();
} catch (err) {
  console.log(`fleet bench needs PostgreSQL at ${PG}: ${(err as Error).message}`);
  process.exit(1);
}
await admin.query(`CREATE DATABASE ${db}`);
const url = PG.replace(/\/[^/]*$/, `/${db}`);
const raw = {
  dataDir: dir,
  logLevel: 'error',
  stream: { shards: SHARDS },
  consumers: { leases: true, leaseSeconds: LEASE_SECONDS },
  rowStore: { backend: 'postgres', url },
};
const cfgFile = join(dir, 'faresight.config.json');
writeFileSync(cfgFile, JSON.stringify(raw));
const config = configSchema.parse(raw);
const stream = await openStream(config, silentLogger);
const leases = await openLeaseStore(config, stream.name);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => Promise<boolean>, maxMs = 300_000) {
  const deadline = Date.now() + maxMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

const gen = createGenerator({ seed: 19 });
async function appendRecords(n: number): Promise<void> {
  for (let i = 0; i < n; i += 500) {
    const recs = Array.from({ length: Math.min(500, n - i) }, () => gen.next(new Date()));
    await stream.append(
      recs.map((r) => ({ key: marketKey(r), id: recordKey(r), data: encodeRecord(r) })),
    );
  }
}

const lagOf = async () => (await stream.lag(GROUP)).reduce((n, l) => n + l.records, 0);
/** utime + stime of a /proc stat file, in seconds. */
const statSeconds = (file: string) => {
  const f = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
};
/** CPU seconds of every thread of `pid` so far. */
const cpuSeconds = (pid: number) => statSeconds(`/proc/${pid}/stat`);
/**
 * CPU seconds so far of `pid`'s main thread (its event loop: what one process can do with
 * one core) and of its other threads (V8's compiler and GC helpers, libuv, worker threads).
 */
function threadSeconds(pid: number): { main: number; other: number } {
  const main = statSeconds(`/proc/${pid}/task/${pid}/stat`);
  return { main, other: cpuSeconds(pid) - main };
}
/** Busy and total CPU seconds of the whole machine so far, over all cores (/proc/stat). */
function machineSeconds(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0) / CLK_TCK;
  const idle = (f[3]! + f[4]!) / CLK_TCK; // idle + iowait
  return { busy: total - idle, total };
}
const CORES = availableParallelism();
/** CPU seconds used so far by the PostgreSQL backends serving the bench's database. */
async function pgCpuSeconds(): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1',
    [db],
  );
  let sum = 0;
  for (const r of rows)
    try {
      sum += cpuSeconds(r.pid);
    } catch {
      // a backend that ended meanwhile
    }
  return sum;
}
const owners = async () => (await leases.leases(stream.name, GROUP)).map((l) => l.owner);
const pidOf = (owner: string | undefined) => Number(owner?.split('-').at(-2));

/** FLEET_PROFILE=<dir>: every runner writes a V8 CPU profile there when it stops. */
const PROFILE = process.env.FLEET_PROFILE;

function startRealtime(): ChildProcess {
  return spawn(
    process.execPath,
    [
      ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []),
      'bin/faresight.mjs',
      '-c',
      cfgFile,
      'realtime',
      '--use-cases',
      'serving',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function stopAll(procs: ChildProcess[]): Promise<void> {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once('exit', () => resolve());
          p.kill('SIGTERM');
        }),
    ),
  );
}

/** Starts n processes, waits for an even split, replays the whole stream, times the drain. */
async function run(n: number) {
  const procs = Array.from({ length: n }, startRealtime);
  const pids = new Set(procs.map((p) => p.pid!));
  await until(`${n} processes splitting ${SHARDS} shards`, async () => {
    const o = await owners();
    const held = new Set(o.map(pidOf));
    return o.every((x) => x !== undefined && pids.has(pidOf(x))) && held.size === n;
  });
  // warm-up: every process loads its code, compiles the decoder and opens its database
  // connections on a first batch before the clock starts
  await appendRecords(WARMUP);
  await until('the group caught up', async () => (await lagOf()) === 0);
  const records = (await stream.info()).records;
  // what an idle member costs (lease renewals, empty reads, timers), to tell it from the
  // cost per record
  const idle0 = procs.map((p) => cpuSeconds(p.pid!));
  await sleep(IDLE_MS);
  const idle = procs.map((p, i) => (cpuSeconds(p.pid!) - idle0[i]!) / (IDLE_MS / 1000));
  // The first replay is each process's first pass over its share: V8 still compiles
  // (and re-compiles) the hot code, a cost per process, not per record, so it grows with
  // the process count. The second replay measures the steady state.
  const cold = await replay(procs);
  const warm = await replay(procs);
  return { procs, records, idle, cold, warm };
}

/** Rewinds the group to the start of the stream and measures until its lag is zero again. */
async function replay(procs: ChildProcess[]) {
  const cpu0 = procs.map((p) => threadSeconds(p.pid!));
  const pg0 = await pgCpuSeconds();
  const self0 = process.cpuUsage();
  const machine0 = machineSeconds();
  const t0 = performance.now();
  await stream.rewind(GROUP, { time: 0 });
  await until('the replay drained', async () => (await lagOf()) === 0);
  const seconds = (performance.now() - t0) / 1000;
  const machine1 = machineSeconds();
  const selfUsage = process.cpuUsage(self0);
  const threads = procs.map((p, i) => {
    const t = threadSeconds(p.pid!);
    return { main: t.main - cpu0[i]!.main, other: t.other - cpu0[i]!.other };
  });
  return {
    seconds,
    cpu: threads.map((t) => t.main + t.other),
    threads,
    pgCpu: (await pgCpuSeconds()) - pg0,
    benchCpu: (selfUsage.user + selfUsage.system) / 1e6,
    machineBusy: machine1.busy - machine0.busy,
    machineTotal: machine1.total - machine0.total,
  };
}

type Replay = Awaited<ReturnType<typeof replay>>;

/** Where the CPU of one run went, per process and per thread kind, in CPU seconds. */
function cpuLine(r: Replay): string {
  const perProc = r.threads
    .map(
      (t) =>
        `${(t.main + t.other).toFixed(1)} (event loop ${t.main.toFixed(1)}, other threads ${t.other.toFixed(1)})`,
    )
    .join(' / ');
  const ours = r.cpu.reduce((a, b) => a + b, 0) + r.pgCpu + r.benchCpu;
  return `CPU s: runners ${perProc}; PostgreSQL backends ${r.pgCpu.toFixed(1)}; this bench (appends, lag polls) ${r.benchCpu.toFixed(1)}; rest of the machine ${Math.max(0, r.machineBusy - ours).toFixed(1)}; machine ${r.machineBusy.toFixed(1)} of ${r.machineTotal.toFixed(1)} (${CORES} cores, load average ${loadavg()[0]!.toFixed(1)})`;
}

/**
 * The resource that bound a run: the machine's cores when they were (nearly) all busy,
 * else a runner's event loop when one ran (nearly) all the time (a process can use one
 * core for its JavaScript), else waiting (the stream read, PostgreSQL, the lease store),
 * when neither was full.
 */
function bottleneck(r: Replay): string {
  const busy = r.machineBusy / r.machineTotal;
  const loops = r.threads.map((t) => t.main / r.seconds);
  const runners = r.cpu.reduce((a, b) => a + b, 0);
  if (busy >= 0.9)
    return `the ${CORES} cores (${(busy * 100).toFixed(0)}% busy; the runners had ${((runners / r.machineBusy) * 100).toFixed(0)}% of it, PostgreSQL ${((r.pgCpu / r.machineBusy) * 100).toFixed(0)}%, other processes ${(((r.machineBusy - runners - r.pgCpu - r.benchCpu) / r.machineBusy) * 100).toFixed(0)}%): more processes only split the same cores`;
  const max = Math.max(...loops);
  if (max >= 0.9)
    return `a runner's event loop (busy ${(max * 100).toFixed(0)}% of the run; cores ${(busy * 100).toFixed(0)}% busy): add processes or cores`;
  return `waiting, not CPU (cores ${(busy * 100).toFixed(0)}% busy, runners' event loops ${loops.map((l) => `${(l * 100).toFixed(0)}%`).join(' / ')} busy): the stream read, PostgreSQL or the lease store`;
}

try {
  await appendRecords(RECORDS);
  console.log(
    `fleet bench: ${RECORDS} records, ${SHARDS} shards, group ${GROUP} (serving use case, PostgreSQL row store), leases ${LEASE_SECONDS} s`,
  );
  let base = 0;
  let kept: Awaited<ReturnType<typeof run>> | undefined;
  for (const n of [1, 2, 3]) {
    const r = await run(n);
    const w = r.warm;
    const rate = r.records / w.seconds;
    if (n === 1) base = rate;
    const perCpu = (x: Replay) => r.records / x.cpu.reduce((a, b) => a + b, 0);
    const idleTotal = r.idle.reduce((a, b) => a + b, 0) * w.seconds;
    console.log(
      `${n} process(es): ${rate.toFixed(0)} records/s in ${w.seconds.toFixed(1)} s (${(rate / base).toFixed(2)}x the 1-process run), ${perCpu(w).toFixed(0)} records per CPU-second of the runners (${(r.records / Math.max(0.01, w.cpu.reduce((a, b) => a + b, 0) - idleTotal)).toFixed(0)} without their idle cost of ${r.idle.map((c) => c.toFixed(2)).join(' / ')} CPU s/s; ${perCpu(r.cold).toFixed(0)} in the first replay, V8 still compiling), ${r.records} records replayed`,
    );
    console.log(`  ${cpuLine(w)}`);
    console.log(`  bottleneck: ${bottleneck(w)}`);
    if (n === 3) kept = r;
    else await stopAll(r.procs);
  }

  // takeover: SIGKILL the owner of shard 0, append to every shard, time the move
  const procs = kept!.procs;
  const victimPid = pidOf((await owners())[0]);
  const victim = procs.find((p) => p.pid === victimPid)!;
  const lost = (await leases.leases(stream.name, GROUP))
    .filter((l) => pidOf(l.owner) === victimPid)
    .map((l) => l.shard);
  const killedAt = performance.now();
  victim.kill('SIGKILL');
  await appendRecords(2000);
  await until('the shards of the killed process moving', async () =>
    (await leases.leases(stream.name, GROUP))
      .filter((l) => lost.includes(l.shard))
      .every((l) => l.owner !== undefined && pidOf(l.owner) !== victimPid),
  );
  const moved = (performance.now() - killedAt) / 1000;
  await until('the new owners committing', async () =>
    (await stream.lag(GROUP)).filter((l) => lost.includes(l.shard)).every((l) => l.records === 0),
  );
  const committed = (performance.now() - killedAt) / 1000;
  console.log(
    `SIGKILL of one of 3 processes (shards ${lost.join(',')}): new owner after ${moved.toFixed(1)} s, its commits caught up after ${committed.toFixed(1)} s (lease ${LEASE_SECONDS} s, renewal every ${(LEASE_SECONDS / 3).toFixed(1)} s)`,
  );
  await stopAll(procs);
} finally {
  await leases.close();
  await stream.close();
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
