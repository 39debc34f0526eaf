/**
 * Cooperative time slicing for work that must share the event loop of a serving process
 * (warm starts, restores): the loop checks `due()` at each item and, once its slice has
 * lasted `sliceMs`, awaits `pause()`, which lets timers and I/O run (setImmediate) and
 * starts a new slice. Requests then wait at most about one slice behind the work.
 */
import { setImmediate as turn } from 'node:timers/promises';

/** Default length of a slice: 10 ms of work between two turns of the event loop. */
export const DEFAULT_SLICE_MS = 10;

export class TimeSlice {
  private started: number;

  /** `sliceMs` default DEFAULT_SLICE_MS; `now` is the clock in ms (tests inject one). */
  constructor(
    private readonly sliceMs = DEFAULT_SLICE_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = this.now();
  }

  /** True once the current slice has lasted its length. */
  due(): boolean {
    return this.now() - this.started >= this.sliceMs;
  }

  /** Lets the event loop turn once (timers, I/O, other requests), then starts a new slice. */
  async pause(): Promise<void> {
    await turn();
    this.started = this.now();
  }
}
