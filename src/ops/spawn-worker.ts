/**
 * Worker threads for modules that run as TypeScript under tsx. On Node 20 a worker does
 * not inherit the tsx loader, so a `.ts` entry is started by a small boot script that
 * registers tsx first (about 0.2 s); a `.js` entry (a built package) starts directly.
 *
 * Every worker's young generation is capped at WORKER_YOUNG_GENERATION_MB. V8 lets a
 * thread's new space grow to 32 MB (two 16 MB semi-spaces) once objects survive its
 * scavenges, and keeps it: in `up --demo` the row store's, the ETL engine's, the feed's and
 * the forecast pool's threads each held 31-34 MB of new space with 5-29 MB of their heap
 * in use. Their surviving objects are short-lived (a query's rows, a batch of requests,
 * a series' fit), so smaller semi-spaces cost a few more scavenges and no throughput that
 * the benchmarks could see (docs/benchmarks.md, "Footprint: the worker threads' young
 * generation and the feed's itineraries").
 */
import { type ResourceLimits, Worker } from 'node:worker_threads';

/**
 * Largest young generation of a worker thread, in MB. V8 splits it into two semi-spaces
 * and a new large-object space of a third each: at most 8 MB of new space per thread.
 */
export const WORKER_YOUNG_GENERATION_MB = 12;

const RESOURCE_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };

/** The URL of `name` (without extension) beside the module at `importMetaUrl`, in its language. */
export function siblingModule(importMetaUrl: string, name: string): URL {
  return new URL(`./${name}${importMetaUrl.endsWith('.ts') ? '.ts' : '.js'}`, importMetaUrl);
}

/** Starts a worker thread running `entry` with `workerData`. */
export function spawnWorker(entry: URL, workerData: unknown): Worker {
  const options = { workerData, resourceLimits: RESOURCE_LIMITS };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}
