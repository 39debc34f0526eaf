/**
 * `npm run bench -- ingest [seconds]`: the ingest service (`faresight ingest`, its own
 * process, embedded stream) driven over loopback by wrk, beside a bare node:http server
 * that only reads and JSON.parses the same bodies (the ceiling on this machine) and a
 * Fastify server that does the same (the framework's share of the gap). Single ~4 KB
 * records and batches of 100, each maximum the best over a few connection counts; then
 * p99 acknowledgement latency at half the measured maximum rate, with requests evenly
 * spaced in time (an open-loop client on raw sockets, support/paced-client.ts, whose
 * latency counts from each request's scheduled send time, so a stalled server is not
 * hidden), and beside it autocannon at the same `overallRate`, which sends each second's
 * quota in a burst at the start of the second. Every request carries a unique
 * X-Transaction-Id, so no record is a duplicate.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import NODE_FLAGS from '../bin/node-flags.json' with { type: 'json' };
import { createGenerator } from '../src/generator/generator.js';
import { pacedLoad } from './support/paced-client.js';

const SECONDS = Number(process.argv[2] ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'fs-bench-ingest-'));

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { status?: number }).status === 1;
  }
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

function start(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onLine = (line: string) => {
      if (ready.test(line)) resolve(p);
    };
    createInterface({ input: p.stdout! }).on('line', onLine);
    createInterface({ input: p.stderr! }).on('line', onLine);
    p.on('exit', (code) => reject(new Error(`${cmd} exited with ${code}`)));
    setTimeout(() => reject(new Error(`${cmd} did not start`)), 30_000).unref();
  });
}

async function stop(p: ChildProcess): Promise<void> {
  p.removeAllListeners('exit');
  await new Promise((r) => {
    p.on('exit', r);
    p.kill('SIGTERM');
  });
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** Connections of the wrk run. */
  connections?: number;
}

/**
 * Connection counts tried for each maximum rate. The bare server's rate hardly depends
 * on them, but a service that answers only after an fsync needs more requests in flight
 * to keep its group commit full (Little's law: 20,000 requests/s acknowledged in 3 ms
 * is 60 in flight), so each server is given its best of these.
 */
const SINGLE_CONNECTIONS = [16, 64, 128];
const BATCH_CONNECTIONS = [4, 8, 16];

function wrk(url: string, bodyFile: string, connections: number): Result {
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
  const out = execFileSync(
    'wrk',
    ['-t1', `-c${connections}`, `-d${SECONDS}s`, '--latency', '-s', lua, url],
    {
      encoding: 'utf8',
    },
  );
  const m = /RESULT (\S+) (\S+) (\S+) (\d+) (\d+)/.exec(out);
  if (!m) throw new Error(`could not read wrk output:\n${out}`);
  return {
    rps: Number(m[1]),
    p50: Number(m[2]),
    p99: Number(m[3]),
    non2xx: Number(m[4]),
    connections,
  };
}

/** The best wrk run over `connections` (highest rate of 2xx answers). */
function bestWrk(url: string, bodyFile: string, connections: readonly number[]): Result {
  let best: Result | undefined;
  for (const c of connections) {
    const r = wrk(url, bodyFile, c);
    if (r.non2xx === 0 && (!best || r.rps > best.rps)) best = r;
  }
  if (!best) throw new Error(`every run against ${url} had non-2xx answers`);
  return best;
}

async function fixedRate(url: string, body: string, rate: number): Promise<Result> {
  let n = 0;
  const r = await autocannon({
    url,
    method: 'POST',
    connections: 16,
    overallRate: Math.max(1, Math.round(rate)),
    duration: SECONDS,
    requests: [
      {
        setupRequest: (req: autocannon.Request) => ({
          ...req,
          body,
          headers: {
            'content-type': 'application/json',
            'x-transaction-id': `r${process.pid}-${Date.now()}-${n++}`,
          },
        }),
      },
    ],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
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

const line = (name: string, r: Result, recordsPerReq: number, note = '') =>
  console.log(
    `${name.padEnd(40)} ${Math.round(r.rps).toLocaleString('en').padStart(9)} req/s ${Math.round(
      r.rps * recordsPerReq,
    )
      .toLocaleString('en')
      .padStart(
        10,
      )} rec/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms${r.connections ? `  c${String(r.connections).padEnd(3)}` : '      '}${r.non2xx ? `  non-2xx ${r.non2xx}` : ''} ${note}`,
  );

if (!hasWrk()) {
  console.error('wrk is not installed (apt-get install wrk): cannot run the ingest benchmark');
  process.exit(2);
}
const b = bodies();
const singleFile = join(dir, 'single.json');
const batchFile = join(dir, 'batch.json');
writeFileSync(singleFile, b.single);
writeFileSync(batchFile, b.batch);
console.log(
  `ingest benchmark: ${SECONDS} s per run, single record ${b.singleBytes} bytes, batch of 100 (${b.batch.length} bytes), wrk -t1;\n` +
    `each maximum is the best of wrk -c${SINGLE_CONNECTIONS.join('/')} (single) or -c${BATCH_CONNECTIONS.join('/')} (batch), shown as cN\n`,
);

const bare = await start(process.execPath, ['bench/support/bare-server.mjs', '7181'], {}, /READY/);
const bareSingle = bestWrk('http://127.0.0.1:7181/', singleFile, SINGLE_CONNECTIONS);
line('bare node:http, single record', bareSingle, 1, '(ceiling)');
const bareBatch = bestWrk('http://127.0.0.1:7181/', batchFile, BATCH_CONNECTIONS);
line('bare node:http, batch of 100', bareBatch, 100, '(ceiling)');
await stop(bare);

const framework = await start(
  process.execPath,
  ['bench/support/fastify-server.mjs', '7183'],
  {},
  /READY/,
);
const fwUrl = 'http://127.0.0.1:7183/v1/ingest/generic';
const fwSingle = bestWrk(fwUrl, singleFile, SINGLE_CONNECTIONS);
line(
  'Fastify + JSON.parse only, single',
  fwSingle,
  1,
  `${((100 * fwSingle.rps) / bareSingle.rps).toFixed(0)}% of bare (the framework's share)`,
);
const fwBatch = bestWrk(fwUrl, batchFile, BATCH_CONNECTIONS);
line(
  'Fastify + JSON.parse only, batch 100',
  fwBatch,
  100,
  `${((100 * fwBatch.rps) / bareBatch.rps).toFixed(0)}% of bare`,
);
await stop(framework);

const env = {
  FARESIGHT_DATA_DIR: join(dir, 'data'),
  FARESIGHT_INGEST_PORT: '7182',
  FARESIGHT_INGEST_HOST: '127.0.0.1',
  FARESIGHT_INGEST_REQUESTS_PER_SECOND_PER_VENDOR: '1000000000',
  FARESIGHT_LOG_LEVEL: 'warn',
};
const url = 'http://127.0.0.1:7182/v1/ingest/generic';
for (const workers of [1, 2]) {
  const ingest = await start(
    process.execPath,
    [...NODE_FLAGS, 'bin/faresight.mjs', 'ingest', '--workers', String(workers)],
    { ...env, FARESIGHT_LOG_LEVEL: 'info' },
    workers === 1 ? /ingest listening/ : /ingest-2\].*ingest listening/,
  );
  const single = bestWrk(url, singleFile, SINGLE_CONNECTIONS);
  line(
    `faresight ingest (${workers} proc), single`,
    single,
    1,
    `${((100 * single.rps) / bareSingle.rps).toFixed(0)}% of bare`,
  );
  const batch = bestWrk(url, batchFile, BATCH_CONNECTIONS);
  line(
    `faresight ingest (${workers} proc), batch 100`,
    batch,
    100,
    `${((100 * batch.rps) / bareBatch.rps).toFixed(0)}% of bare`,
  );
  if (workers === 1) {
    const half = await pacedRate(url, b.single, single.rps / 2, 64);
    line(`  at half max rate (${Math.round(single.rps / 2)}/s), single`, half, 1, '(paced)');
    const halfBatch = await pacedRate(url, b.batch, batch.rps / 2, 16);
    line(`  at half max rate (${Math.round(batch.rps / 2)}/s), batch`, halfBatch, 100, '(paced)');
    const burst = await fixedRate(url, b.single, single.rps / 2);
    line(`  same, single`, burst, 1, '(autocannon, bursts)');
    const burstBatch = await fixedRate(url, b.batch, batch.rps / 2);
    line(`  same, batch`, burstBatch, 100, '(autocannon, bursts)');
  }
  await stop(ingest);
}
rmSync(dir, { recursive: true, force: true });
