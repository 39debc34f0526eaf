import { Redis } from 'ioredis';
import type { Cache } from '../cache.js';

/** Options of RedisCache. */
export interface RedisCacheOptions {
  /** `redis://host:port/db`. */
  url: string;
  /** Prefix of every key [`faresight:`], so several deployments can share a server. */
  prefix?: string;
  /** Connect timeout [2000 ms]. */
  connectTimeoutMs?: number;
  /**
   * Called when the connection is lost (with the reason, as `degraded()` gives it) and when
   * it is back after a loss (undefined). Not called for the first successful connect.
   */
  onStatusChange?: (degraded: string | undefined) => void;
}

/**
 * The scale-out cache: values with `SET EX`, versions with `INCR`, on one Redis server
 * (ElastiCache in the reference system), shared by every API and realtime process. A
 * command fails fast (no offline queue) while Redis is unreachable; callers treat a failure
 * as a miss. A lost connection (or one never made) is retried in the background by ioredis
 * (backoff up to 2 s) until `close()`.
 */
export class RedisCache implements Cache {
  readonly backend = 'redis';
  private readonly redis: Redis;
  private readonly prefix: string;
  private closed = false;
  /** The last connection error ioredis reported: what `connect()` names when it fails. */
  private lastError: Error | undefined;
  /** `host:port` of the server, for error messages. */
  private readonly address: string;
  /** Why the cache is unusable, undefined while connected. */
  private down: string | undefined = 'not connected yet';
  /** Whether the connection was ever lost (or never made): a later `ready` is a recovery. */
  private lost = false;

  constructor(opts: RedisCacheOptions) {
    this.prefix = opts.prefix ?? 'faresight:';
    this.redis = new Redis(opts.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: opts.connectTimeoutMs ?? 2000,
    });
    // Errors surface on the commands; without a listener ioredis would log them itself.
    this.redis.on('error', (err: Error) => {
      this.lastError = err;
      if (this.down !== undefined && this.lost) this.down = this.notAnswering(err);
    });
    this.redis.on('ready', () => {
      this.down = undefined;
      if (this.lost) opts.onStatusChange?.(undefined);
    });
    this.redis.on('close', () => {
      if (this.closed || this.down !== undefined) return;
      this.lost = true;
      this.down = this.notAnswering(this.lastError ?? new Error('connection closed'));
      opts.onStatusChange?.(this.down);
    });
    this.address = (() => {
      try {
        const u = new URL(opts.url);
        return `${u.hostname}:${u.port || '6379'}`;
      } catch {
        return opts.url;
      }
    })();
  }

  /**
   * Connects; rejects when the server cannot be reached, with a message that names the
   * address, the cause (ioredis itself says only "Connection is closed.") and what to check.
   */
  async connect(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (err) {
      const cause = this.lastError ?? (err as Error);
      this.lost = true;
      this.down = this.notAnswering(cause);
      throw new Error(`${this.down}: is the server running, and is cache.url right?`, {
        cause,
      });
    }
  }

  degraded(): string | undefined {
    return this.down;
  }

  private notAnswering(cause: Error): string {
    return `Redis at ${this.address} is not answering (${cause.message})`;
  }

  /**
   * Runs a command; its failure names the server. While the connection is down ioredis
   * rejects with "Stream isn't writeable and enableOfflineQueue options is false", which
   * says neither which Redis nor why: the message is then the reason `degraded()` gives.
   */
  private async command<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const message =
        this.down ?? `Redis at ${this.address} failed a command (${(err as Error).message})`;
      throw new Error(message, { cause: err });
    }
  }

  get(key: string): Promise<string | undefined> {
    return this.command(async () => (await this.redis.get(`${this.prefix}c:${key}`)) ?? undefined);
  }

  set(key: string, value: string, ttlSeconds: number): Promise<void> {
    return this.command(async () => {
      await this.redis.set(
        `${this.prefix}c:${key}`,
        value,
        'EX',
        Math.max(1, Math.ceil(ttlSeconds)),
      );
    });
  }

  async versions(scopes: readonly string[]): Promise<number[]> {
    if (scopes.length === 0) return [];
    const v = await this.command(() =>
      this.redis.mget(...scopes.map((s) => `${this.prefix}v:${s}`)),
    );
    return v.map((x) => Number(x ?? 0));
  }

  async bump(scopes: readonly string[]): Promise<void> {
    if (scopes.length === 0) return;
    const p = this.redis.multi();
    for (const s of scopes) p.incr(`${this.prefix}v:${s}`);
    await this.command(() => p.exec());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
