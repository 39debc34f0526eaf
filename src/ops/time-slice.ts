/**
 * Cooperative time slicing for work that must share the event loop of a serving process
 * (warm starts, restores, the consumer groups' batches): the loop checks `due()` at each
 * item and, once its slice has lasted its length, awaits `pause()`, which lets timers and
 * I/O run (setImmediate) and starts a new slice. Requests then wait at most about one
 * slice behind the work.
 *
 * The slices paused at once share one slice's length: each pause resumes in the event
 * loop's check phase, where every slice paused in the previous turn resumes one after
 * another before the loop polls for I/O again. With the whole length each, the consumer
 * groups working through a backlog held requests for several slices at once (40-60 ms
 * between polls in a profile of `up --demo` loading its history); now the slices that
 * resume in one turn each last the length divided by their number, at least MIN_SLICE_MS.
 */
import { setImmediate as turn } from 'node:timers/promises';

/**
 * Default length of a slice: 5 ms of work between two turns of the event loop. With 10 ms,
 * the slices of the consumer groups working through the demo's history, with ingest and
 * the collector in the same turns, kept the event loop's p99 lag at 40-70 ms.
 */
export const DEFAULT_SLICE_MS = 5;
/** The shortest share of a slice: below it, the turns themselves would cost the time. */
export const MIN_SLICE_MS = 1;

/** Slices waiting in `pause` for their turn, over every TimeSlice of the process. */
let waiting = 0;
/**
 * Slices resuming in the current check phase (those waiting when its first resumed), or 0
 * between phases: set by the first slice to resume, cleared by an immediate it queues,
 * which runs first in the next check phase, before the slices that pause after it.
 */
let resuming = 0;

export class TimeSlice {
  private started: number;
  private length: number;

  /** `sliceMs` default DEFAULT_SLICE_MS; `now` is the clock in ms (tests inject one). */
  constructor(
    private readonly sliceMs = DEFAULT_SLICE_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = this.now();
    this.length = sliceMs;
  }

  /** True once the current slice has lasted its length. */
  due(): boolean {
    return this.now() - this.started >= this.length;
  }

  /**
   * Lets the event loop turn once (timers, I/O, other requests), then starts a new slice,
   * its length shared with the slices that resume in the same turn.
   */
  async pause(): Promise<void> {
    waiting++;
    try {
      await turn();
    } finally {
      waiting--;
    }
    if (resuming === 0) {
      resuming = waiting + 1;
      setImmediate(() => {
        resuming = 0;
      });
    }
    this.length = Math.max(Math.min(MIN_SLICE_MS, this.sliceMs), this.sliceMs / resuming);
    this.started = this.now();
  }
}
