/**
 * The DuckDB ETL engine on a worker thread of its own (src/ops/object-thread.ts), as `up`
 * and `faresight etl run` use it beside the API: each call opens and closes a DuckDB
 * instance, and the synchronous close of one that scanned the history took 0.22-2.69 s
 * of the main event loop per run. Same answers as DuckDBEtlEngine; a call the thread
 * could not answer (it crashed, or is restarting) rejects with EtlEngineThreadError, and
 * the run fails and is retried at its next slot.
 */
import { ObjectThread } from '../../ops/object-thread.js';
import type { RestartOptions } from '../../ops/restarting-worker.js';
import { siblingModule } from '../../ops/spawn-worker.js';
import type { EtlEngine } from '../etl-engine.js';
import type { DuckDBEtlEngine } from './duckdb-etl-engine.js';

/** The engine's thread died, is restarting or is closed: not the job's fault. */
export class EtlEngineThreadError extends Error {
  override name = 'EtlEngineThreadError';
}

/** Starts the thread with a DuckDBEtlEngine of `threads` DuckDB threads per call (default 2). */
export async function startEtlEngineThread(
  o: { threads?: number; memoryLimit?: string } & RestartOptions<EtlEngineThreadError> = {},
): Promise<EtlEngine> {
  const { threads, memoryLimit, ...restart } = o;
  const t = await ObjectThread.start<DuckDBEtlEngine, EtlEngineThreadError>({
    ...restart,
    module: siblingModule(import.meta.url, 'duckdb-etl-engine'),
    factory: 'DuckDBEtlEngine.open',
    args: [
      {
        ...(threads === undefined ? {} : { threads }),
        ...(memoryLimit === undefined ? {} : { memoryLimit }),
      },
    ],
    label: 'the ETL engine thread',
    error: EtlEngineThreadError,
  });
  // A signal cannot cross to the thread: the call carries an id, and an abort sends
  // `interrupt(id)` after it (the thread takes messages in order, so the call has
  // registered its id by then).
  let calls = 0;
  const interruptible = async <R>(
    signal: AbortSignal | undefined,
    call: (id: string | undefined) => Promise<R>,
  ): Promise<R> => {
    if (!signal) return call(undefined);
    if (signal.aborted) throw new Error('ETL query interrupted: the process is stopping');
    const id = String(++calls);
    const interrupt = () => {
      t.call('interrupt', id).catch(() => undefined);
    };
    signal.addEventListener('abort', interrupt, { once: true });
    try {
      return await call(id);
    } finally {
      signal.removeEventListener('abort', interrupt);
    }
  };
  return {
    affectedKeys: (job, files, signal) =>
      interruptible(signal, (id) => t.call('affectedKeys', job, files, id)),
    build: (job, files, keys, outDir, signal) =>
      interruptible(signal, (id) => t.call('build', job, files, keys, outDir, id)),
    describe: (job) => t.call('describe', job),
    close: () => t.close(),
  };
}
