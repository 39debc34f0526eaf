import type { Stream } from '../stream/stream.js';

/** Streams opened by name on first use and closed together. */
export class StreamPool {
  private readonly open = new Map<string, Promise<Stream>>();
  constructor(
    private readonly main: Stream,
    private readonly opener: ((name: string) => Promise<Stream>) | undefined,
  ) {}

  get(name: string): Promise<Stream> {
    if (name === this.main.name) return Promise.resolve(this.main);
    if (!this.opener) {
      return Promise.reject(
        new Error(`stream "${name}" cannot be opened: the runner was given no openStream`),
      );
    }
    let s = this.open.get(name);
    if (!s) {
      s = this.opener(name);
      this.open.set(name, s);
      s.catch(() => this.open.delete(name));
    }
    return s;
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled([...this.open.values()]);
    await Promise.allSettled(
      all.flatMap((r) => (r.status === 'fulfilled' ? [r.value.close()] : [])),
    );
  }
}
