/**
 * The shape of the "a backend goes away and comes back" scenarios: the platform runs
 * under vendor load, the backend stops for `downMs`, starts again on the same port and
 * data, and the load goes on. What must hold everywhere: no fatal line, a clean exit on
 * SIGTERM, every refusal a 503 with Retry-After, and every acknowledged record exactly
 * once in the lake. The scenario adds its own checks (API answers, recovery) through
 * the hooks.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Load } from './load.js';
import { baseConfig, type PlatformChild, startPlatformChild } from './platform-child.js';
import { type PrivateServer, privateRedis, redisCacheConfig } from './private-services.js';
import { countLake, type ScenarioContext, secs } from './scenario.js';

export interface OutageOptions {
  ctx: ScenarioContext;
  server: PrivateServer;
  /** Adds the backend's keys to the base config. */
  configure(base: Record<string, unknown>): Record<string, unknown>;
  /** How long the backend stays down [8 s]. */
  downMs?: number;
  /** The platform starts while the backend is down (it must start anyway) [false]. */
  downAtStart?: boolean;
  /** Whether ingest depends on the backend (then 503s are expected while it is down). */
  ingestDependsOnIt: boolean;
  /** Runs while the backend is down (probe the API, ...). */
  whileDown?(p: PlatformChild, load: Load): Promise<void>;
  /** Runs once it is back, before the load stops (wait for a use case to catch up, ...). */
  afterRestart?(p: PlatformChild, load: Load, restartedAt: number): Promise<void>;
}

export async function runOutage(o: OutageOptions): Promise<void> {
  const { ctx } = o;
  const { check, measure } = ctx;
  if (!o.downAtStart) await o.server.start();
  let p: PlatformChild | undefined;
  try {
    p = await startPlatformChild(ctx.dir, o.configure(baseConfig(`${ctx.dir}/data`)));
    const load = new Load(p.ingestUrl, 'outage').start();
    if (!o.downAtStart) {
      await delay(3000);
      await o.server.stop();
    }
    const downAt = Date.now();
    const whileDown = o.whileDown?.(p, load);
    await delay(o.downMs ?? 8000);
    await whileDown;
    const during = load.counts(downAt);
    await o.server.start();
    const upAt = Date.now();
    for (let i = 0; i < 120 && load.firstAckAfter(upAt) === undefined; i++) await delay(500);
    const firstAck = load.firstAckAfter(upAt);
    await o.afterRestart?.(p, load, upAt);
    await delay(2000);
    await load.stop();
    const stoppedAt = Date.now();
    // The consumers resume on their own: wait (bounded) until the lake holds every ack.
    let caughtUp: number | undefined;
    for (let i = 0; i < 45 && p.exitCode() === undefined; i++) {
      if ((await countLake(p.config, load.acked)).missing === 0) {
        caughtUp = Date.now();
        break;
      }
      await delay(2000);
    }
    const alive = p.exitCode() === undefined;
    const code = await p.stop();
    const lake = await countLake(p.config, load.acked);
    const total = Object.values(during).reduce((a, b) => a + b, 0);
    measure('acked', load.acked.size);
    measure('ingest while down', `${during[202] ?? 0}/${total} accepted, ${during[503] ?? 0} 503`);
    if (o.ingestDependsOnIt)
      measure('ingest recovery', secs(firstAck === undefined ? undefined : firstAck - upAt));
    measure('lake caught up', secs(caughtUp === undefined ? undefined : caughtUp - upAt));
    measure('lake missing/dup', `${lake.missing}/${lake.duplicates}`);
    measure('fatal', p.fatals.length);
    check(alive, 'the platform kept running through the outage');
    check(p.fatals.length === 0, `no fatal line (${p.fatals[0] ?? ''})`);
    check(
      load.unexpected() === 0,
      `every refusal was a 503 with Retry-After (${JSON.stringify(load.counts())})`,
    );
    if (o.ingestDependsOnIt) check(firstAck !== undefined, 'ingest accepted again after restart');
    else check((during[202] ?? 0) === total && total > 0, 'ingest unaffected by the outage');
    check(
      caughtUp !== undefined,
      `the lake caught up within 90 s of the load's end (${secs(Date.now() - stoppedAt)} waited)`,
    );
    check(code === 0, `clean exit on SIGTERM (got ${code})`);
    check(
      lake.missing === 0,
      `${lake.missing} acknowledged records missing from the lake (${lake.missingSample.join(', ')}, ...)`,
    );
    check(lake.duplicates === 0, `${lake.duplicates} duplicate rows in the lake`);
    if (ctx.dir && (p.fatals.length > 0 || code !== 0 || lake.missing > 0))
      for (const l of p.problems.slice(-10)) console.error(l);
  } finally {
    if (p && p.exitCode() === undefined) p.kill();
    await o.server.stop();
  }
}

/**
 * An outage of the cache: a private redis-server holds it (the scenario is skipped
 * where redis-server is not installed), and ingest does not depend on it.
 */
export async function runRedisOutage(
  ctx: ScenarioContext,
  hooks: Pick<OutageOptions, 'downAtStart' | 'whileDown' | 'afterRestart'>,
): Promise<void> {
  const redis = await privateRedis();
  if (!redis) return ctx.skip('redis-server is not installed (Debian package redis-server)');
  await runOutage({
    ctx,
    server: redis,
    ingestDependsOnIt: false,
    configure: (base) => ({ ...base, cache: redisCacheConfig(redis.url) }),
    ...hooks,
  });
}
