/**
 * Requests that background work sharing their event loop yields to. In `up` the API, the
 * real-time use cases, the lake writer and ingest share one event loop; while the demo's
 * history loads, the use cases' and the lake writer's sliced work (TimeSlice) kept it
 * saturated and a `GET /v1/markets` waited for every slice queued before each of its
 * turns (p50 55-78 ms, p99 341 ms at best). The API marks each request it serves with
 * `begin()`; at the end of a slice, background work waits (`yield()`) until no such
 * request is in flight, or at most `maxDeferMs` so that a steady stream of requests
 * cannot stop it. One Foreground per process, made in the composition root.
 */

/** Longest a background slice waits for the requests in flight, ms. */
export const DEFAULT_MAX_DEFER_MS = 20;

export class Foreground {
  private inFlight = 0;
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(readonly maxDeferMs = DEFAULT_MAX_DEFER_MS) {}

  /** Requests in flight now. */
  get requests(): number {
    return this.inFlight;
  }

  /** Marks a request in flight; call the returned function (once is enough) when it ends. */
  begin(): () => void {
    if (this.inFlight++ === 0) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.idle = { promise, resolve };
    }
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.inFlight === 0) {
        this.idle?.resolve();
        this.idle = undefined;
      }
    };
  }

  /** Resolves at once when no request is in flight; else when none is, or after maxDeferMs. */
  async yield(): Promise<void> {
    const idle = this.idle;
    if (!idle) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      idle.promise,
      new Promise<void>((r) => {
        timer = setTimeout(r, this.maxDeferMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
