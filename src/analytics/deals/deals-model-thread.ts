/**
 * The deals model on a worker thread of its own (src/ops/object-thread.ts), with
 * `realtime.useCases.deals.thread`. While `up --demo` loaded its history, its main
 * thread allocated about 79 MB a second, a third of it in the deals use case. On the
 * thread the decoding, labelling, counting and encoding allocate and collect on that
 * thread's heap; the main thread sends each batch's records as their stream bytes
 * (PackedRecords: a structured clone of 2,000 decoded records took 270-300 ms of both
 * threads, a copy of their bytes a few ms) and gets back its deals and rows. On 2 cores
 * it did not lower the API's p99 and raised the peak RSS (docs/benchmarks.md), so it is
 * off by default. A call the thread could not answer (it died or is restarting) rejects
 * with DealsThreadError: the use case reloads the model from its checkpoint before the
 * retry, on the new thread.
 */
import { DEFAULT_VALIDATION_POLICY, type ValidationPolicy } from '../../model/validation-policy.js';
import { ObjectThread } from '../../ops/object-thread.js';
import type { RestartOptions } from '../../ops/restarting-worker.js';
import { siblingModule } from '../../ops/spawn-worker.js';
import type { DealsModel, DealsModelApi } from './deals-model.js';
import type { SegmentSketchesOptions } from './segment-sketches.js';

/** The deals thread died, is restarting or is closed: not the batch's fault. */
export class DealsThreadError extends Error {
  override name = 'DealsThreadError';
}

/** Starts the thread with a DealsModel of `options` and `validation` (see DealsModel). */
export async function startDealsModelThread(
  options: SegmentSketchesOptions = {},
  validation: ValidationPolicy = DEFAULT_VALIDATION_POLICY,
  restart: RestartOptions<DealsThreadError> = {},
): Promise<DealsModelApi & { crashForTesting(): void }> {
  const t = await ObjectThread.start<DealsModel, DealsThreadError>({
    ...restart,
    module: siblingModule(import.meta.url, 'deals-model'),
    factory: 'DealsModel.create',
    args: [options, validation],
    label: 'the deals thread',
    error: DealsThreadError,
  });
  return {
    reset: () => t.call('reset'),
    restore: (rows) => t.call('restore', rows),
    label: (records, count) => t.call('label', records, count),
    batchRows: (revived) => t.call('batchRows', revived),
    committed: () => t.call('committed'),
    trim: () => t.call('trim'),
    close: () => t.close(),
    crashForTesting: () => t.crashForTesting(),
  };
}
