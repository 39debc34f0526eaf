/**
 * Worker threads for modules that run as TypeScript under tsx. On Node 20 a worker does
 * not inherit the tsx loader, so a `.ts` entry is started by a small boot script that
 * registers tsx first (about 0.2 s); a `.js` entry (a built package) starts directly.
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';

let workerHeapReset = false;

/**
 * Worker threads get V8's own initial old space, not the process's. Every Faresight
 * process starts with `--initial-old-space-size=256` (bin/node-flags.json) for the main
 * thread's lake writer, but V8 applies the flag to every isolate it creates, and in a
 * thread that makes garbage and keeps little (the row store's, which copies every result
 * out of PGlite) no full collection came before 256 MB: in `up --demo` its heap held 231
 * MB, 18 MB of it live (issue 18). V8 reads the flag when it creates an isolate, so
 * resetting it here, before the first worker, leaves the main thread's heap as started.
 */
function resetWorkerHeapFlags(): void {
  if (workerHeapReset) return;
  workerHeapReset = true;
  setFlagsFromString('--initial-old-space-size=0');
}

/** The URL of `name` (without extension) beside the module at `importMetaUrl`, in its language. */
export function siblingModule(importMetaUrl: string, name: string): URL {
  return new URL(`./${name}${importMetaUrl.endsWith('.ts') ? '.ts' : '.js'}`, importMetaUrl);
}

/** Starts a worker thread running `entry` with `workerData`. */
export function spawnWorker(entry: URL, workerData: unknown): Worker {
  resetWorkerHeapFlags();
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
