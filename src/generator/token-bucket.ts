/** Paces work to a rate over the wall clock, allowing bursts up to `capacity`. */
export class TokenBucket {
  private tokens = 0;
  private last: number;

  /** `rate` tokens per second; the bucket starts empty. */
  constructor(
    private readonly rate: number,
    private readonly capacity: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
  }

  /** Takes up to `max` whole tokens, returning how many were taken. */
  take(max: number): number {
    this.refill();
    const n = Math.min(max, Math.floor(this.tokens));
    this.tokens -= n;
    return n;
  }

  /** Ms until `n` whole tokens are available (0 when they already are). */
  waitMs(n: number): number {
    this.refill();
    const missing = Math.min(n, this.capacity) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.rate);
  }
}
