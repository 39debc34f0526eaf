/**
 * `npm run bench -- ingest [seconds] [runs]`: the ingest service (`faresight ingest`, its
 * own process, embedded stream) driven over loopback by wrk, beside two ceilings measured
 * in the same run: a bare node:http server that only reads and JSON.parses the same
 * bodies, and a Fastify server that does the same (the framework's share of the gap).
 * Single ~4 KB records and batches of 100.
 *
 * Made fair rather than easy: where `taskset` exists and there are at least 2 cores, the
 * server runs on core 0 and the load generators (wrk, the paced client in this process)
 * on the other cores, so they do not share a core (the header says whether it was so).
 * Each point is the median of `runs` wrk runs of `seconds` each (default 3 × 10 s),
 * printed with its spread (min-max), at the connection count that a short probe found
 * best for that server. Beside each rate: CPU seconds per 1,000 records of the server's
 * processes (all threads, from /proc), so the per-core figure holds on bigger machines;
 * "per core" ratios compare those CPU costs with the bare server's.
 *
 * Then p99 acknowledgement latency at half the measured maximum rate, requests evenly
 * spaced in time (an open-loop client on raw sockets, support/paced-client.ts, whose
 * latency counts from each request's scheduled send time, so a stalled server is not
 * hidden). Every request carries a unique X-Transaction-Id, so no record is a duplicate.
 *
 * FARESIGHT_BENCH_SERVICE_DIR=<checkout> runs the service of another checkout, and
 * FARESIGHT_BENCH_BASELINE_DIR=<checkout> adds another checkout's service (one process) to
 * the same run, so a change is measured against its baseline under the same load.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import NODE_FLAGS from '../bin/node-flags.json' with { type: 'json' };
import { createGenerator } from '../src/generator/generator.js';
import { ingestStages } from './support/ingest-stages.js';
import { pacedLoad } from './support/paced-client.js';

const SECONDS = Number(process.argv[2] ?? 10);
const RUNS = Number(process.argv[3] ?? 3);
const PROBE_SECONDS = 3;
const SERVICE_DIR = process.env.FARESIGHT_BENCH_SERVICE_DIR ?? process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'fs-bench-ingest-'));
const CLOCK_TICKS = 100; // USER_HZ on Linux

function has(cmd: string, arg: string): boolean {
  try {
    execFileSync(cmd, [arg], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { status?: number }).status === 1;
  }
}

const CORES = cpus().length;
const PIN = has('taskset', '--version') && CORES >= 2;
/** Cores of the server (`n` processes) and of the load, or undefined when not pinned. */
function serverCores(n: number): string | undefined {
  if (!PIN) return undefined;
  return n < CORES ? `0-${n - 1}` : undefined;
}
function loadCores(n: number): string | undefined {
  if (!PIN || n >= CORES) return undefined;
  return `${n}-${CORES - 1}`;
}
/** Records of about 4 KB (JSON) without ids: ingest takes the id from X-Transaction-Id. */
function bodies(): { single: string; batch: string; singleBytes: number } {
  const g = createGenerator({ seed: 7 });
  const picked: Record<string, unknown>[] = [];
  while (picked.length < 100) {
    const r = g.next() as unknown as Record<string, unknown>;
    const size = JSON.stringify(r).length;
    if (size >= 3500 && size <= 4500) {
      delete r.id;
      delete r.receivedAt;
      picked.push(r);
    }
  }
  const single = JSON.stringify(picked[0]);
  return { single, batch: JSON.stringify(picked), singleBytes: single.length };
}

/** Starts `args` (pinned to `cores` when given) and resolves when a line matches `ready`. */
function start(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; cores?: string; ready: RegExp },
): Promise<ChildProcess> {
  const [cmd, ...rest] = opts.cores
    ? ['taskset', '-c', opts.cores, process.execPath, ...args]
    : [process.execPath, ...args];
  return new Promise((resolve, reject) => {
    const p = spawn(cmd!, rest, {
      cwd: opts.cwd,
      // the service refuses FARESIGHT_* variables it does not know: not the bench's own
      env: Object.fromEntries(
        Object.entries({ ...process.env, ...opts.env }).filter(
          ([k]) => !k.startsWith('FARESIGHT_BENCH_'),
        ),
      ),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (opts.ready.test(line)) resolve(p);
    };
    createInterface({ input: p.stdout! }).on('line', onLine);
    createInterface({ input: p.stderr! }).on('line', onLine);
    p.on('exit', (code) =>
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`)),
    );
    setTimeout(() => reject(new Error(`${args.join(' ')} did not start`)), 180_000).unref();
  });
}

async function stop(p: ChildProcess): Promise<void> {
  p.removeAllListeners('exit');
  await new Promise((r) => {
    p.on('exit', r);
    p.kill('SIGTERM');
  });
}

/** A port free right now (other benches may run on this machine: no fixed ports). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system, every thread) used so far by `pid` and its descendants. */
function cpuSeconds(pid: number): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      // the process ended meanwhile
    }
  }
  const mine = (p: number): boolean => p === pid || (p > 1 && mine(parent.get(p) ?? 0));
  let sum = 0;
  for (const [p, t] of ticks) if (mine(p)) sum += t;
  return sum / CLOCK_TICKS;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** Server CPU seconds per 1,000 records over the run. */
  cpuPer1k: number;
}

function wrk(
  url: string,
  bodyFile: string,
  connections: number,
  seconds: number,
  server: ChildProcess,
  recordsPerReq: number,
): Run {
  const lua = join(dir, 'post.lua');
  writeFileSync(
    lua,
    `local f = io.open("${bodyFile}", "rb"); local body = f:read("*a"); f:close()
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", nil, { ["content-type"] = "application/json", ["x-transaction-id"] = "b" .. tostring(os.time()) .. "-" .. tostring(math.random(1, 2^30)) .. "-" .. counter }, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %f %d %d\\n", summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, summary.requests))
end
`,
  );
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', lua, url];
  const cores = loadCores(1);
  const cpu0 = cpuSeconds(server.pid!);
  const out = cores
    ? execFileSync('taskset', ['-c', cores, 'wrk', ...args], { encoding: 'utf8' })
    : execFileSync('wrk', args, { encoding: 'utf8' });
  const cpu = cpuSeconds(server.pid!) - cpu0;
  const m = /RESULT (\S+) (\S+) (\S+) (\d+) (\d+)/.exec(out);
  if (!m) throw new Error(`could not read wrk output:\n${out}`);
  const requests = Number(m[5]);
  return {
    rps: Number(m[1]),
    p50: Number(m[2]),
    p99: Number(m[3]),
    non2xx: Number(m[4]),
    cpuPer1k: requests > 0 ? (1000 * cpu) / (requests * recordsPerReq) : Number.NaN,
  };
}

/**
 * Connection counts probed for each maximum rate. The bare server's rate hardly depends
 * on them, but a service that answers only after an fsync needs more requests in flight
 * to keep its group commit full (Little's law: 20,000 requests/s acknowledged in 3 ms
 * is 60 in flight), so each server is given its best of these.
 */
const SINGLE_CONNECTIONS = [16, 64, 128];
const BATCH_CONNECTIONS = [4, 8, 16];

interface Point {
  runs: Run[];
  connections: number;
  rps: number;
  rpsMin: number;
  rpsMax: number;
  p50: number;
  p99: number;
  cpuPer1k: number;
  non2xx: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * The maximum rate of `server` for one body: a short probe at each connection count picks
 * the best (highest rate of 2xx answers), then RUNS runs of SECONDS at it give the median.
 */
function point(
  url: string,
  bodyFile: string,
  connections: readonly number[],
  server: ChildProcess,
  recordsPerReq: number,
): Point {
  let best: { c: number; rps: number } | undefined;
  for (const c of connections) {
    const r = wrk(url, bodyFile, c, PROBE_SECONDS, server, recordsPerReq);
    if (r.non2xx === 0 && (!best || r.rps > best.rps)) best = { c, rps: r.rps };
  }
  if (!best) throw new Error(`every probe against ${url} had non-2xx answers`);
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++)
    runs.push(wrk(url, bodyFile, best.c, SECONDS, server, recordsPerReq));
  const rates = runs.map((r) => r.rps);
  return {
    runs,
    connections: best.c,
    rps: median(rates),
    rpsMin: Math.min(...rates),
    rpsMax: Math.max(...rates),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuPer1k: median(runs.map((r) => r.cpuPer1k)),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
  };
}

/**
 * Open-loop load at `rate` requests/s, evenly spaced, for SECONDS over `connections`
 * keep-alive connections (support/paced-client.ts): request i is due at start + i / rate
 * and its latency runs from that due time to the end of the answer.
 */
function pacedRate(url: string, body: string, rate: number, connections: number) {
  return pacedLoad({
    url,
    body: Buffer.from(body),
    rate,
    seconds: SECONDS,
    connections,
    header: (i) => `x-transaction-id: p${process.pid}-${Date.now()}-${i}\r\n`,
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const line = (name: string, p: Point, recordsPerReq: number, note = '') =>
  console.log(
    `${name.padEnd(34)} ${fmt(p.rps).padStart(7)} req/s (${fmt(p.rpsMin)}-${fmt(p.rpsMax)})`.padEnd(
      66,
    ) +
      ` ${fmt(p.rps * recordsPerReq).padStart(7)} rec/s  cpu ${p.cpuPer1k.toFixed(3)} s/1k rec  p99 ${p.p99
        .toFixed(1)
        .padStart(
          5,
        )} ms  c${String(p.connections).padEnd(3)}${p.non2xx ? ` non-2xx ${p.non2xx}` : ''} ${note}`,
  );
/** Throughput ratio and per-core ratio (CPU per record of the reference over this one's). */
const ratio = (p: Point, ref: Point) =>
  `${((100 * p.rps) / ref.rps).toFixed(0)}% of bare, ${((100 * ref.cpuPer1k) / p.cpuPer1k).toFixed(0)}% per core`;

if (!has('wrk', '--version')) {
  console.error('wrk is not installed (apt-get install wrk): cannot run the ingest benchmark');
  process.exit(2);
}
// the paced client runs in this process: keep it off the server's core too
const ownCores = loadCores(1);
if (ownCores)
  execFileSync('taskset', ['-a', '-p', '-c', ownCores, String(process.pid)], { stdio: 'ignore' });
const b = bodies();
const singleFile = join(dir, 'single.json');
const batchFile = join(dir, 'batch.json');
writeFileSync(singleFile, b.single);
writeFileSync(batchFile, b.batch);
console.log(
  `ingest benchmark: single record ${b.singleBytes} bytes, batch of 100 (${b.batch.length} bytes); wrk -t1;\n` +
    `each point: median of ${RUNS} runs of ${SECONDS} s (spread min-max) at the best of -c${SINGLE_CONNECTIONS.join('/')} (single) or -c${BATCH_CONNECTIONS.join('/')} (batch) after ${PROBE_SECONDS} s probes, shown as cN;\n` +
    `cpu: server CPU seconds (all processes and threads) per 1,000 records; "per core" = bare's cpu / this one's;\n` +
    (PIN
      ? `pinned with taskset: one-process servers on core 0, wrk and the paced client on cores 1-${CORES - 1}; --workers N on cores 0-${'N-1'} when N < ${CORES} cores, else unpinned\n`
      : `NOT pinned (${CORES} core(s)${has('taskset', '--version') ? '' : ', no taskset'}): load generator and server share the cores\n`) +
    `service: ${SERVICE_DIR}${process.env.FARESIGHT_BENCH_BASELINE_DIR ? `, baseline: ${process.env.FARESIGHT_BENCH_BASELINE_DIR}` : ''}; load average at start: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`,
);

const barePort = await freePort();
const bare = await start(['bench/support/bare-server.mjs', String(barePort)], {
  cores: serverCores(1),
  ready: /READY/,
});
const bareSingle = point(`http://127.0.0.1:${barePort}/`, singleFile, SINGLE_CONNECTIONS, bare, 1);
line('bare node:http, single record', bareSingle, 1, '(ceiling)');
const bareBatch = point(`http://127.0.0.1:${barePort}/`, batchFile, BATCH_CONNECTIONS, bare, 100);
line('bare node:http, batch of 100', bareBatch, 100, '(ceiling)');
await stop(bare);

const fwPort = await freePort();
const framework = await start(['bench/support/fastify-server.mjs', String(fwPort)], {
  cores: serverCores(1),
  ready: /READY/,
});
const fwUrl = `http://127.0.0.1:${fwPort}/v1/ingest/generic`;
const fwSingle = point(fwUrl, singleFile, SINGLE_CONNECTIONS, framework, 1);
line('Fastify + JSON.parse only, single', fwSingle, 1, ratio(fwSingle, bareSingle));
const fwBatch = point(fwUrl, batchFile, BATCH_CONNECTIONS, framework, 100);
line('Fastify + JSON.parse only, batch', fwBatch, 100, ratio(fwBatch, bareBatch));
await stop(framework);

const env = {
  FARESIGHT_DATA_DIR: join(dir, 'data'),
  FARESIGHT_INGEST_HOST: '127.0.0.1',
  FARESIGHT_INGEST_REQUESTS_PER_SECOND_PER_VENDOR: '1000000000',
  FARESIGHT_LOG_LEVEL: 'info',
};
const BASELINE_DIR = process.env.FARESIGHT_BENCH_BASELINE_DIR;
const services = [
  ...(BASELINE_DIR ? [{ name: 'baseline ingest', dir: BASELINE_DIR, workers: 1 }] : []),
  { name: 'faresight ingest', dir: SERVICE_DIR, workers: 1 },
  { name: 'faresight ingest', dir: SERVICE_DIR, workers: 2 },
];
for (const { name, dir: serviceDir, workers } of services) {
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  const cores = serverCores(workers);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/v1/ingest/generic`;
  const ingest = await start(
    [...NODE_FLAGS, join(serviceDir, 'bin/faresight.mjs'), 'ingest', '--workers', String(workers)],
    {
      env: { ...env, FARESIGHT_INGEST_PORT: String(port) },
      cwd: serviceDir,
      cores,
      ready: workers === 1 ? /ingest listening/ : /ingest-2\].*ingest listening/,
    },
  );
  const pinned = cores ? '' : ' (unpinned)';
  const single = point(url, singleFile, SINGLE_CONNECTIONS, ingest, 1);
  line(`${name} (${workers} proc), single`, single, 1, ratio(single, bareSingle) + pinned);
  const batch = point(url, batchFile, BATCH_CONNECTIONS, ingest, 100);
  line(`${name} (${workers} proc), batch`, batch, 100, ratio(batch, bareBatch) + pinned);
  if (workers === 1) {
    const half = await pacedRate(url, b.single, single.rps / 2, 64);
    console.log(
      `  at half max rate (${fmt(single.rps / 2)}/s), single: ${fmt(half.rps)} req/s  p50 ${half.p50.toFixed(1)} ms  p99 ${half.p99.toFixed(1)} ms${half.non2xx ? `  non-2xx ${half.non2xx}` : ''} (paced)`,
    );
    const halfBatch = await pacedRate(url, b.batch, batch.rps / 2, 16);
    console.log(
      `  at half max rate (${fmt(batch.rps / 2)}/s), batch: ${fmt(halfBatch.rps)} req/s  p50 ${halfBatch.p50.toFixed(1)} ms  p99 ${halfBatch.p99.toFixed(1)} ms${halfBatch.non2xx ? `  non-2xx ${halfBatch.non2xx}` : ''} (paced)`,
    );
  }
  await stop(ingest);
}
if (BASELINE_DIR) {
  // Baseline and this checkout side by side (both pinned where the one-process services
  // are), runs alternating A, B, A, B: a machine whose load drifts weighs on both alike.
  const up = async (serviceDir: string) => {
    const port = await freePort();
    const p = await start([...NODE_FLAGS, join(serviceDir, 'bin/faresight.mjs'), 'ingest'], {
      env: {
        ...env,
        FARESIGHT_INGEST_PORT: String(port),
        FARESIGHT_DATA_DIR: join(dir, `paired-${port}`),
      },
      cwd: serviceDir,
      cores: serverCores(1),
      ready: /ingest listening/,
    });
    return { p, url: `http://127.0.0.1:${port}/v1/ingest/generic` };
  };
  const base = await up(BASELINE_DIR);
  const mine = await up(SERVICE_DIR);
  for (const [what, file, c, n] of [
    ['single', singleFile, 64, 1],
    ['batch', batchFile, 8, 100],
  ] as const) {
    const cpu: number[] = [];
    const rate: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const a = wrk(base.url, file, c, SECONDS, base.p, n);
      const m = wrk(mine.url, file, c, SECONDS, mine.p, n);
      cpu.push(a.cpuPer1k / m.cpuPer1k);
      rate.push(m.rps / a.rps);
    }
    console.log(
      `paired, ${what} (c${c}, ${RUNS} × A/B): this checkout's CPU per record ${(100 / median(cpu)).toFixed(0)}% of baseline's (${(100 / Math.max(...cpu)).toFixed(0)}-${(100 / Math.min(...cpu)).toFixed(0)}), rate ${(100 * median(rate)).toFixed(0)}% of baseline's (${(100 * Math.min(...rate)).toFixed(0)}-${(100 * Math.max(...rate)).toFixed(0)})`,
    );
  }
  await stop(base.p);
  await stop(mine.p);
}
for (const [what, body, n] of [
  ['single', b.single, 1],
  ['batch of 100', b.batch, 100],
] as const) {
  const s = ingestStages(body, n, 3);
  console.log(
    `in process, CPU µs per record, ${what}: JSON.parse ${s.parseUs.toFixed(1)}, generic adapter (parse + validate) ${s.adapterUs.toFixed(1)}, encode + keys ${s.encodeUs.toFixed(1)}`,
  );
}
rmSync(dir, { recursive: true, force: true });
