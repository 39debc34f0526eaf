/** An ETL run or backfill started through the running platform's admin API, watched to its end. */
import type { EtlOperation } from '../console/console-backend.js';
import type { AdminClient } from './admin-client.js';

/** How often the operation's progress is read. */
const POLL_MS = 300;

/**
 * Starts the operation and polls it until it ends, calling `onProgress` at each read;
 * resolves with it when it succeeded, throws its error when it failed.
 */
export async function watchOperation(
  api: AdminClient,
  start: { job: string; from?: string; to?: string },
  onProgress?: (op: EtlOperation) => void,
): Promise<EtlOperation> {
  let op = await api.call<EtlOperation>('POST', '/etl/operations', start);
  for (;;) {
    onProgress?.(op);
    if (op.status === 'succeeded') return op;
    if (op.status === 'failed') throw new Error(op.error ?? `${op.job} failed`);
    await new Promise((r) => setTimeout(r, POLL_MS));
    op = await api.call<EtlOperation>('GET', `/etl/operations/${encodeURIComponent(op.id)}`);
  }
}
