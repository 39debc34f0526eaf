/**
 * Worker threads, named for what they do, for modules that run as JavaScript (a built
 * package) or as TypeScript under tsx. Each starts from a small boot script that names
 * its thread (see threadNameOf) and imports the entry; on Node 20 a worker does not
 * inherit the tsx loader, so for a `.ts` entry the script registers tsx first (about 0.2 s).
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

/** Longest thread name Linux keeps (16 bytes with the terminating NUL). */
const THREAD_NAME_MAX = 15;

/**
 * The OS name of a thread started for `label` (`the staging thread` → `fs staging`), or
 * for its entry module when it has no label (`pglite-thread-main` → `fs pglite`): what
 * `top -H`, `ps -L` and /proc/<pid>/task/<tid>/comm show, so that a thread's CPU can be
 * told from the others' (threads a thread starts, such as DuckDB's, inherit it).
 */
export function threadNameOf(entry: URL, label?: string): string {
  const what = label
    ? label.replace(/^(the|a|an) /, '').replace(/ thread$/, '')
    : (entry.pathname.split('/').pop() ?? '')
        .replace(/\.[cm]?[jt]s$/, '')
        .replace(/(-thread)?-main$/, '');
  return `fs ${what}`.slice(0, THREAD_NAME_MAX);
}

/**
 * Starts a worker thread running `entry` with `workerData`, named `name` on Linux (default
 * threadNameOf(entry)) before its module loads.
 */
export function spawnWorker(entry: URL, workerData: unknown, name = threadNameOf(entry)): Worker {
  const options = { workerData, resourceLimits: RESOURCE_LIMITS };
  // a thread may rename itself through /proc/thread-self/comm (Linux; elsewhere a no-op)
  const rename = `try { (await import('node:fs')).writeFileSync('/proc/thread-self/comm', ${JSON.stringify(name)}); } catch {}`;
  const load = entry.pathname.endsWith('.ts')
    ? `(await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})).register(); await import(${JSON.stringify(entry.href)});`
    : `await import(${JSON.stringify(entry.href)});`;
  return new Worker(`(async () => { ${rename} ${load} })();`, { ...options, eval: true });
}
