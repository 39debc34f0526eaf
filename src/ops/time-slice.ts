/**
 * Cooperative time slicing for work that must share the event loop of a serving process
 * (warm starts, restores): the loop checks `due()` at each item and, once its slice has
 * lasted `sliceMs`, awaits `pause()`, which lets timers and I/O run (setImmediate) and
 * starts a new slice. Requests then wait at most about one slice behind the work. Given
 * the process's Foreground, a pause also waits while the API serves a request (at most
 * its maxDeferMs), so the request's turns do not queue behind every slice of background
 * work.
 */
import { setImmediate as turn } from 'node:timers/promises';
import type { Foreground } from './foreground.js';

/** Default length of a slice: 10 ms of work between two turns of the event loop. */
export const DEFAULT_SLICE_MS = 10;

export class TimeSlice {
  private started: number;

  /**
   * `sliceMs` default DEFAULT_SLICE_MS; `now` is the clock in ms (tests inject one);
   * `foreground`: the requests each pause yields to (none: a pause is one turn).
   */
  constructor(
    private readonly sliceMs = DEFAULT_SLICE_MS,
    private readonly now: () => number = () => performance.now(),
    private readonly foreground?: Foreground,
  ) {
    this.started = this.now();
  }

  /** A slice of DEFAULT_SLICE_MS whose pauses yield to `foreground` when given. */
  static yieldingTo(foreground: Foreground | undefined): TimeSlice {
    return new TimeSlice(DEFAULT_SLICE_MS, undefined, foreground);
  }

  /** True once the current slice has lasted its length. */
  due(): boolean {
    return this.now() - this.started >= this.sliceMs;
  }

  /**
   * Lets the event loop turn once (timers, I/O, other requests), waits for the
   * foreground's requests in flight if any, then starts a new slice.
   */
  async pause(): Promise<void> {
    await turn();
    await this.foreground?.yield();
    this.started = this.now();
  }
}
