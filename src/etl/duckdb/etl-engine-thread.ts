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
  o: { threads?: number } & RestartOptions<EtlEngineThreadError> = {},
): Promise<EtlEngine> {
  const { threads, ...restart } = o;
  const t = await ObjectThread.start<DuckDBEtlEngine, EtlEngineThreadError>({
    ...restart,
    module: siblingModule(import.meta.url, 'duckdb-etl-engine'),
    factory: 'DuckDBEtlEngine.open',
    args: [threads === undefined ? {} : { threads }],
    label: 'the ETL engine thread',
    error: EtlEngineThreadError,
  });
  return {
    affectedKeys: (job, files) => t.call('affectedKeys', job, files),
    build: (job, files, keys, outDir) => t.call('build', job, files, keys, outDir),
    describe: (job) => t.call('describe', job),
    close: () => t.close(),
  };
}
