/**
 * Ids seen within a sliding time window, in buckets so that expiry is O(1) per bucket.
 * Memory grows with the append rate times the window; that is the price of exact
 * dedupe without a disk lookup per record.
 */
export class DedupeWindow {
  private readonly buckets: { start: number; ids: Set<string> }[] = [];
  private readonly bucketMs: number;

  constructor(readonly windowMs: number) {
    this.bucketMs = Math.max(1000, Math.ceil(windowMs / 12));
  }

  /** True if `id` was added within the window before `now`. */
  has(id: string, now: number): boolean {
    this.expire(now);
    for (const b of this.buckets) if (b.ids.has(id)) return true;
    return false;
  }

  add(id: string, at: number): void {
    if (this.windowMs <= 0) return;
    const start = at - (at % this.bucketMs);
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last.start < start) {
      last = { start, ids: new Set() };
      this.buckets.push(last);
    }
    last.ids.add(id);
  }

  private expire(now: number): void {
    while (
      this.buckets.length > 0 &&
      this.buckets[0]!.start + this.bucketMs <= now - this.windowMs
    ) {
      this.buckets.shift();
    }
  }
}
