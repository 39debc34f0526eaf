/**
 * Private servers for the fault scenarios, each on a free port with its data in a
 * temporary directory, so a scenario can stop and start them without touching the
 * machine's shared PostgreSQL, Redis or NATS. Each `stop()` waits for the process to end;
 * `start()` brings it back on the same port and data. The ports lie outside the kernel's
 * ephemeral range (`freePort`), so no other test's server is given one while it is down.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../../ops/testing/ports.js';

export { freePort };

/** Resolves once something accepts TCP on `port` (rejects after `timeoutMs`). */
export async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await delay(100);
  }
}

/** A private server that can be stopped and started again. */
export interface PrivateServer {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function childServer(
  port: number,
  url: string,
  launch: () => ChildProcess,
  stopSignal: NodeJS.Signals = 'SIGTERM',
): PrivateServer {
  let child: ChildProcess | undefined;
  return {
    port,
    url,
    async start() {
      const c = launch();
      child = c;
      c.on('error', () => undefined);
      // A server that cannot start (its port taken after all) must fail here, not leave
      // the test talking to whatever holds the port.
      const died = new Promise<never>((_, reject) => {
        const fail = (why: string) =>
          reject(new Error(`the private server for ${url} ${why} while starting`));
        c.once('error', (err) => fail(`failed (${err.message})`));
        c.once('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`})`));
      });
      died.catch(() => undefined);
      await Promise.race([waitForPort(port), died]);
      if (c.exitCode !== null || c.signalCode !== null)
        throw new Error(`the private server for ${url} exited while starting`);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(stopSignal);
      await exited;
    },
  };
}

/** `nats-server -js` on a free port, JetStream store under `dir`; undefined when not installed. */
export async function privateNats(dir: string): Promise<PrivateServer | undefined> {
  const bin = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find(existsSync);
  if (!bin) return undefined;
  const port = await freePort();
  const sd = join(dir, 'nats');
  mkdirSync(sd, { recursive: true });
  return childServer(port, `127.0.0.1:${port}`, () =>
    spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', sd], { stdio: 'ignore' }),
  );
}

/** `redis-server` on a free port, nothing saved; undefined when not installed. */
export async function privateRedis(): Promise<PrivateServer | undefined> {
  const bin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(existsSync);
  if (!bin) return undefined;
  const port = await freePort();
  return childServer(port, `redis://127.0.0.1:${port}`, () =>
    spawn(
      bin,
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    ),
  );
}

/**
 * A PostgreSQL cluster of its own (initdb in `dir`, trust auth, database `faults`) on a
 * free port, run as user `postgres` when this process is root. Undefined when the server
 * binaries are not installed.
 */
export async function privatePostgres(dir: string): Promise<PrivateServer | undefined> {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root) ? readdirSync(root).sort().at(-1) : undefined;
  if (!version) return undefined;
  const bin = (b: string) => join(root, version, 'bin', b);
  const data = join(dir, 'pg');
  mkdirSync(data, { recursive: true });
  // PostgreSQL refuses to run as root: then the server runs as user postgres.
  const user =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
          gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
        }
      : {};
  if (user.uid !== undefined) {
    chownSync(dir, user.uid, user.gid!);
    chownSync(data, user.uid, user.gid!);
  }
  execFileSync(bin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres'], {
    stdio: 'ignore',
    cwd: data,
    ...user,
  });
  const port = await freePort();
  const server = childServer(
    port,
    `postgres://postgres@127.0.0.1:${port}/postgres`,
    () =>
      spawn(
        bin('postgres'),
        ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', data, '-c', 'fsync=off'],
        { stdio: 'ignore', cwd: data, ...user },
      ),
    // fast shutdown: disconnects clients, as a restart or failover does
    'SIGINT',
  );
  return server;
}

/** The `cache` section for a private Redis at `url`, under a key prefix of its own. */
export function redisCacheConfig(url: string): Record<string, unknown> {
  return { backend: 'redis', url, prefix: `faults-${randomBytes(4).toString('hex')}:` };
}
