/**
 * The platform under test, from outside: `faresight up` as a child process on a config
 * file of the scenario's, every port 0 on 127.0.0.1. Watches its output for the process
 * guard's fatal line and for an exit nobody asked for.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type Config, configSchema } from '../../config/config.js';
import { FATAL_MESSAGE } from '../../ops/process-guard.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** The V8 flags every Faresight process starts with (bin/node-flags.json). */
const NODE_FLAGS = JSON.parse(
  readFileSync(join(ROOT, 'bin', 'node-flags.json'), 'utf8'),
) as string[];
/** The environment every Faresight process starts with (bin/node-env.json). */
const NODE_ENV = JSON.parse(readFileSync(join(ROOT, 'bin', 'node-env.json'), 'utf8')) as Record<
  string,
  string
>;

/** Longest `up` may take to print its addresses (the machine may be busy). */
const START_TIMEOUT_MS = 240_000;

/** A running `faresight up`. */
export interface PlatformChild {
  readonly ingestUrl: string;
  readonly apiUrl: string;
  readonly config: Config;
  /** Fatal lines (process guard) seen so far. */
  readonly fatals: string[];
  /** Log lines at warn or error, for the report of a failed scenario. */
  readonly problems: string[];
  /** Exit code once it exited (null: by a signal), undefined while running. */
  exitCode(): number | null | undefined;
  /** SIGTERM, then waits for the exit; resolves the exit code. */
  stop(): Promise<number | null>;
  kill(): void;
}

/** The config every scenario starts from: private ports, small periods, quick files. */
export function baseConfig(dataDir: string): Record<string, unknown> {
  return {
    dataDir,
    logLevel: 'info',
    stream: { shards: 2 },
    ingest: { host: '127.0.0.1', port: 0, statsIntervalSeconds: 2 },
    api: { host: '127.0.0.1', port: 0, maxAgeSeconds: 0 },
    sql: { host: '127.0.0.1', port: 0 },
    lake: { rotateSeconds: 5, batch: { count: 5000, periodMs: 500 } },
    realtime: { batch: { count: 500, periodMs: 200 } },
  };
}

/** Starts `faresight up` on `raw` (written to `<dir>/faresight.config.json`). */
export async function startPlatformChild(
  dir: string,
  raw: Record<string, unknown>,
): Promise<PlatformChild> {
  const config = configSchema.parse(raw);
  const file = join(dir, 'faresight.config.json');
  writeFileSync(file, JSON.stringify(raw, null, 2));
  const env = { ...process.env, ...NODE_ENV };
  for (const k of Object.keys(env)) if (k.startsWith('FARESIGHT_')) delete env[k];
  const child: ChildProcess = spawn(
    process.execPath,
    [...NODE_FLAGS, join(ROOT, 'bin', 'faresight.mjs'), '--config', file, 'up'],
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const fatals: string[] = [];
  const problems: string[] = [];
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (c) => {
      code = c;
      resolve(c);
    }),
  );
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (process.env.FAULTS_VERBOSE) process.stderr.write(`  | ${line}\n`);
    if (line.includes(FATAL_MESSAGE)) fatals.push(line);
    if (/ (warn|error) /.test(line) && problems.length < 200) problems.push(line);
  });
  const urls = await new Promise<{ ingest: string; api: string }>((resolve, reject) => {
    let ingest = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`faresight up printed no addresses within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const i = /^\s+ingest\s+(http:\/\/\S+?)\/v1\/ingest/.exec(line);
      if (i) ingest = i[1]!;
      const a = /^\s+api\s+(http:\/\/\S+?)\/v1\/markets/.exec(line);
      if (a && ingest) {
        clearTimeout(timer);
        resolve({ ingest, api: a[1]! });
      }
    });
    void exited.then((c) => {
      clearTimeout(timer);
      reject(new Error(`faresight up exited with ${c} before it was up: ${problems.join(' / ')}`));
    });
  });
  return {
    ingestUrl: urls.ingest,
    apiUrl: urls.api,
    config,
    fatals,
    problems,
    exitCode: () => code,
    stop: async () => {
      if (code === undefined) child.kill('SIGTERM');
      return exited;
    },
    kill: () => child.kill('SIGKILL'),
  };
}
