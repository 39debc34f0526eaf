/**
 * The dedupe window of the Kinesis backend (Kinesis has none): an append claims the ids
 * of its records in the CheckpointStore before the put, marks them stored after it and
 * releases the rest (CheckpointStore.settle).
 */
import { BackpressureError } from '../errors.js';
import type { CheckpointStore } from './checkpoint-store.js';

/** A claim of an id by an append that died before marking it stored expires after this. */
export const CLAIM_TIMEOUT_MS = 30_000;
/** How long an append waits for another append holding the same ids. */
const CLAIM_WAIT_MS = 5_000;

/** What to claim, for whom. */
export interface ClaimRequest {
  streamId: number;
  /** For error messages. */
  streamName: string;
  /** Distinct ids. */
  ids: readonly string[];
  /** A token unique to the append. */
  owner: string;
  windowMs: number;
  now: () => number;
}

/**
 * Claims the ids that are not duplicates and returns them. Ids stored within the window
 * are left out (duplicates); ids another append holds are waited for (it may fail and
 * release them), up to 5 s, then the claim is given up with BackpressureError.
 */
export async function claimIds(store: CheckpointStore, req: ClaimRequest): Promise<Set<string>> {
  const claimed = new Set<string>();
  const deadline = Date.now() + CLAIM_WAIT_MS;
  let todo = req.ids;
  while (todo.length > 0) {
    const now = req.now();
    const got = await store.claim(
      req.streamId,
      todo,
      req.owner,
      now,
      now - req.windowMs,
      now - CLAIM_TIMEOUT_MS,
    );
    for (const id of got) claimed.add(id);
    const rest = todo.filter((id) => !got.has(id));
    if (rest.length === 0) break;
    const states = await store.claimState(req.streamId, rest);
    todo = rest.filter((id) => states.get(id) !== true);
    if (todo.length === 0) break;
    if (Date.now() > deadline) {
      await store.settle(req.streamId, req.owner, [], [...claimed], req.now());
      throw new BackpressureError(
        `stream ${req.streamName}: ${todo.length} record id(s), e.g. ${todo[0]}, are being appended by another writer`,
        1000,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return claimed;
}
