/**
 * Worker threads for modules that run as TypeScript under tsx. On Node 20 a worker does
 * not inherit the tsx loader, so a `.ts` entry is started by a small boot script that
 * registers tsx first (about 0.2 s); a `.js` entry (a built package) starts directly.
 */
import { Worker } from 'node:worker_threads';

/** The URL of `name` (without extension) beside the module at `importMetaUrl`, in its language. */
export function siblingModule(importMetaUrl: string, name: string): URL {
  return new URL(`./${name}${importMetaUrl.endsWith('.ts') ? '.ts' : '.js'}`, importMetaUrl);
}

/** Starts a worker thread running `entry` with `workerData`. */
export function spawnWorker(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
