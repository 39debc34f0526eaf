/**
 * A stream that can grow from N to M shards on a live platform: a chain of generations
 * (generation-log.ts), each a physical stream of the backend with its own shard count.
 * `reshard(M)` adds generation g+1 with M shards, then seals generation g: from the seal
 * on, g refuses appends (StreamSealedError, atomically with respect to every append), so
 * each appender, in any process, moves to g+1 on its next append and retries there; an
 * append acknowledged by g was stored before the seal. Consumers drain g to its end and
 * move to g+1 only once g is sealed and the group committed every record of it, so
 * nothing is lost or delivered twice across the move, and every record of a market in g
 * is processed before its records in g+1 (order per key holds within and across
 * generations; a key's shard changes with the count).
 *
 * Readers see one shard id space: generation g's shard s is `firstShard(g) + s`, so
 * positions (shard, seq) never repeat across generations (lake file names stay unique).
 * `shards` is the newest generation's shard count. Generation 0 is stored under the
 * stream's own name, so a stream never resharded is exactly the backend's stream.
 *
 * Retirement (`retire`, on a timer where the stream is trimmed): a sealed generation whose
 * every record is older than the retention is removed from the log, then its physical
 * stream is deleted, oldest first, never the newest. Until then a rewind by time within
 * retention still finds each of its records. By then every group has usually committed
 * it; a group that has not loses those records as any stream's expired records are lost,
 * and the retirement names it. Readers of a retired generation move to the next one.
 */
import { StreamSealedError, StreamUnavailableError } from '../errors.js';
import type {
  AppendRecord,
  AppendResult,
  BatchPolicy,
  Consumer,
  ConsumerOptions,
  RewindTarget,
  ShardLag,
  Stream,
  StreamInfo,
} from '../stream.js';
import { type Generation, type GenerationLog, generationName } from './generation-log.js';
import { type ConsumerFactory, GenerationalConsumer } from './generational-consumer.js';

/** A physical stream that can be sealed (embedded, JetStream). */
export interface SealableStream extends Stream {
  /** Refuses every later append with StreamSealedError, for good. */
  seal(): Promise<void>;
  isSealed(): Promise<boolean>;
}

export interface GenerationalStreamOptions {
  name: string;
  /** Shards of generation 0 when the log is new (the configured count). */
  shards: number;
  log: GenerationLog;
  /** Opens and connects the physical stream `name` with `shards` shards. */
  open(name: string, shards: number): Promise<SealableStream>;
  /**
   * Deletes the physical stream `name` (records, checkpoints, leases) of a retired
   * generation; what is already gone is no error. Without it no generation is retired.
   */
  drop?(name: string): Promise<void>;
  /** How often `retire` runs [60 s, as the embedded trim]; 0 disables the timer. */
  retireIntervalMs?: number;
  /** Told each retirement, or a failed attempt (retried at the next run), for logs. */
  onRetire?(e: RetireEvent): void;
}

/** A generation retired: when, and what the groups had not committed of it (lost to them). */
export interface RetiredGeneration {
  generation: Generation;
  /** Physical name of the deleted stream. */
  stored: string;
  /** Records it held when retired (expired past retention or drained). */
  records: number;
  newestTimestamp: number | undefined;
  /** Groups that had not committed every record of it, with what they had left. */
  unread: { group: string; records: number }[];
}

export type RetireEvent =
  | ({ type: 'retired' } & RetiredGeneration)
  | { type: 'error'; error: Error };

/** One generation as `faresight stream status` shows it. */
export interface GenerationStatus extends Generation {
  state: 'live' | 'sealed';
  stored: string;
  records: number;
  oldestTimestamp: number | undefined;
  newestTimestamp: number | undefined;
}

const DEFAULT_RETIRE_INTERVAL_MS = 60_000;

const APPEND_ATTEMPTS = 5;

export class GenerationalStream implements Stream {
  readonly name: string;
  private gens: Generation[] = [];
  private readonly streams = new Map<number, Promise<SealableStream>>();
  private retireTimer: NodeJS.Timeout | undefined;
  private retiring: Promise<RetiredGeneration[]> | undefined;
  /** The newest record time of each sealed generation (fixed once sealed) and its retention. */
  private readonly sealedAge = new Map<
    number,
    { newest: number | undefined; retentionMs: number }
  >();

  constructor(private readonly opts: GenerationalStreamOptions) {
    this.name = opts.name;
  }

  /** Shard count of the newest generation known to this process. */
  get shards(): number {
    return this.gens.at(-1)?.shards ?? this.opts.shards;
  }

  /** The generations known to this process, oldest first. */
  generations(): readonly Generation[] {
    return this.gens;
  }

  /**
   * The newest generation's records, browsed outside any group (the Console's message
   * viewer), with its shards numbered from 0 as `shards` and `shardFor` count them. Set
   * by `connect()` when the physical stream can be browsed, absent otherwise.
   */
  browse?: Stream['browse'];

  async connect(): Promise<void> {
    await this.refresh();
    const every = this.opts.retireIntervalMs ?? DEFAULT_RETIRE_INTERVAL_MS;
    if (this.opts.drop && every > 0 && !this.retireTimer) {
      this.retireTimer = setInterval(() => {
        this.retire().catch(() => {}); // told to onRetire
      }, every);
      this.retireTimer.unref();
    }
    const s = await this.streamOf(this.newest());
    if (s.browse)
      this.browse = async (shard, from, limit) => {
        const inner = await this.streamOf(this.newest());
        if (!inner.browse)
          throw new StreamUnavailableError(`stream ${this.name} cannot be browsed`);
        return inner.browse(shard, from, limit);
      };
  }

  /**
   * Re-reads the generation log (another process may have resharded or retired); closes
   * this process's handles on generations retired meanwhile.
   */
  async refresh(): Promise<readonly Generation[]> {
    this.gens = await this.opts.log.list(this.opts.shards);
    for (const [gen, s] of this.streams)
      if (this.isRetired(gen)) {
        this.streams.delete(gen);
        s.then((x) => x.close()).catch(() => {});
      }
    return this.gens;
  }

  /** Whether generation `gen` was retired (is older than every listed one). */
  isRetired(gen: number): boolean {
    const first = this.gens[0];
    return first !== undefined && gen < first.gen;
  }

  newest(): Generation {
    const g = this.gens.at(-1);
    if (!g) throw new StreamUnavailableError(`stream ${this.name} is not connected`);
    return g;
  }

  /**
   * The physical stream of generation `g`, opened once. Rejects with
   * StreamUnavailableError for a retired generation (opening would create it again).
   */
  streamOf(g: Generation): Promise<SealableStream> {
    if (this.isRetired(g.gen))
      return Promise.reject(
        new StreamUnavailableError(`stream ${this.name}: generation ${g.gen} was retired`),
      );
    let s = this.streams.get(g.gen);
    if (!s) {
      s = this.opts.open(generationName(this.name, g.gen), g.shards);
      s.catch(() => this.streams.delete(g.gen));
      this.streams.set(g.gen, s);
    }
    return s;
  }

  /**
   * Adds a generation with `shards` shards and seals the one before, so appends move to
   * the new one. Seals every older generation first, so a reshard cut off between its two
   * steps is completed by the next. Resolves the new generation.
   */
  async reshard(shards: number): Promise<Generation> {
    if (!Number.isInteger(shards) || shards < 1 || shards > 1024)
      throw new RangeError(`shards must be an integer in 1..1024, got ${shards}`);
    await this.refresh();
    for (const g of this.gens.slice(0, -1)) await (await this.streamOf(g)).seal();
    const last = this.newest();
    const next = await this.opts.log.add(last, shards);
    await this.streamOf(next); // created before any appender can look for it
    await (await this.streamOf(last)).seal();
    await this.refresh();
    return next;
  }

  /** Appends to the newest generation; when it was sealed meanwhile, moves on and retries. */
  async append(records: readonly AppendRecord[]): Promise<AppendResult> {
    for (let attempt = 1; ; attempt++) {
      const g = this.newest();
      try {
        return await (await this.streamOf(g)).append(records);
      } catch (err) {
        if (!(err instanceof StreamSealedError) || attempt >= APPEND_ATTEMPTS) throw err;
        await this.refresh();
        if (this.newest().gen === g.gen)
          throw new StreamUnavailableError(
            `stream ${this.name}: generation ${g.gen} is sealed but no newer one is listed`,
            { cause: err },
          );
      }
    }
  }

  consumer(group: string, policy: BatchPolicy, options: ConsumerOptions = {}): Promise<Consumer> {
    return this.consumerWith(group, (s, g) => s.consumer(group, policy, innerOptions(options, g)));
  }

  /**
   * A consumer of `group` that opens each generation's reader with `open` (e.g. a leased
   * consumer of that generation's stream, so each generation's shards are shared by lease).
   */
  async consumerWith(group: string, open: ConsumerFactory): Promise<GenerationalConsumer> {
    return GenerationalConsumer.open(this, group, open);
  }

  async rewind(group: string, target: RewindTarget): Promise<void> {
    await this.refresh();
    if ('time' in target) {
      for (const g of this.gens) await (await this.streamOf(g)).rewind(group, target);
      return;
    }
    const g = this.gens.find(
      (x) => target.shard >= x.firstShard && target.shard < x.firstShard + x.shards,
    );
    if (!g) throw new RangeError(`stream ${this.name} has no shard ${target.shard}`);
    await (await this.streamOf(g)).rewind(group, { ...target, shard: target.shard - g.firstShard });
  }

  async lag(group?: string): Promise<ShardLag[]> {
    await this.refresh();
    const out: ShardLag[] = [];
    for (const g of this.gens)
      for (const l of await (await this.streamOf(g)).lag(group))
        out.push({ ...l, shard: l.shard + g.firstShard });
    return out;
  }

  async info(): Promise<StreamInfo> {
    await this.refresh();
    const infos = await Promise.all(this.gens.map(async (g) => (await this.streamOf(g)).info()));
    const times = (f: (i: StreamInfo) => number | undefined) =>
      infos.map(f).filter((t): t is number => t !== undefined);
    const oldest = times((i) => i.oldestTimestamp);
    const newest = times((i) => i.newestTimestamp);
    const last = infos.at(-1)!;
    return {
      ...last,
      name: this.name,
      records: infos.reduce((n, i) => n + i.records, 0),
      oldestTimestamp: oldest.length > 0 ? Math.min(...oldest) : undefined,
      newestTimestamp: newest.length > 0 ? Math.max(...newest) : undefined,
      groups: [...new Set(infos.flatMap((i) => i.groups))].sort(),
    };
  }

  /** Trims every generation, then retires the sealed ones past retention (`retire`). */
  async trim(now?: number): Promise<number> {
    let n = 0;
    for (const g of this.gens) n += await (await this.streamOf(g)).trim(now);
    await this.retire(now);
    return n;
  }

  /**
   * Retires, oldest first, each sealed generation (never the newest) whose every record
   * is older than `now` minus the retention: removes it from the log, then deletes its
   * physical stream. Stops at the first one that must stay. Resolves what this call
   * retired (another process may retire first: then this one only deletes what is left).
   * Does nothing without `drop`. Runs one at a time per process.
   */
  retire(now: number = Date.now()): Promise<RetiredGeneration[]> {
    if (!this.opts.drop) return Promise.resolve([]);
    this.retiring ??= this.retireOnce(now)
      .catch((err: Error) => {
        this.opts.onRetire?.({ type: 'error', error: err });
        throw err;
      })
      .finally(() => {
        this.retiring = undefined;
      });
    return this.retiring;
  }

  private async retireOnce(now: number): Promise<RetiredGeneration[]> {
    const out: RetiredGeneration[] = [];
    for (const g of (await this.refresh()).slice(0, -1)) {
      const s = await this.streamOf(g);
      if (!(await s.isSealed())) break; // a reshard cut off before its seal: appends go here
      if (!this.sealedAge.has(g.gen)) {
        // sealed: its newest record never changes, so it is read once (a JetStream info
        // reads message headers), not at every run for the whole retention
        const i = await s.info();
        this.sealedAge.set(g.gen, { newest: i.newestTimestamp, retentionMs: i.retentionMs });
      }
      const age = this.sealedAge.get(g.gen)!;
      if (age.newest !== undefined && age.newest >= now - age.retentionMs) break;
      const info = await s.info();
      const unread = new Map<string, number>();
      for (const l of await s.lag())
        if (l.records > 0) unread.set(l.group, (unread.get(l.group) ?? 0) + l.records);
      const mine = await this.opts.log.retire(g);
      await this.refresh(); // closes this process's handle on it
      if (!this.isRetired(g.gen)) break; // the log was busy: next time
      await this.opts.drop!(s.name);
      if (!mine) continue; // another process retired it and tells its own logs
      const r: RetiredGeneration = {
        generation: g,
        stored: s.name,
        records: info.records,
        newestTimestamp: info.newestTimestamp,
        unread: [...unread].map(([group, records]) => ({ group, records })),
      };
      out.push(r);
      this.opts.onRetire?.({ type: 'retired', ...r });
    }
    return out;
  }

  /** Every listed generation with its state, records and oldest and newest record time. */
  async generationStatus(): Promise<GenerationStatus[]> {
    const gens = await this.refresh();
    return Promise.all(
      gens.map(async (g) => {
        const s = await this.streamOf(g);
        const info = await s.info();
        return {
          ...g,
          state: (await s.isSealed()) ? 'sealed' : 'live',
          stored: s.name,
          records: info.records,
          oldestTimestamp: info.oldestTimestamp,
          newestTimestamp: info.newestTimestamp,
        } satisfies GenerationStatus;
      }),
    );
  }

  async close(): Promise<void> {
    if (this.retireTimer) clearInterval(this.retireTimer);
    this.retireTimer = undefined;
    await this.retiring?.catch(() => {});
    const all = await Promise.allSettled(this.streams.values());
    this.streams.clear();
    for (const s of all) if (s.status === 'fulfilled') await s.value.close();
    await this.opts.log.close();
  }
}

/** The options of a generation's reader: the shards (and fence) of it among `options`. */
export function innerOptions(options: ConsumerOptions, g: Generation): ConsumerOptions {
  const inGen = (s: number) => s >= g.firstShard && s < g.firstShard + g.shards;
  const out: ConsumerOptions = {};
  if (options.shards) out.shards = options.shards.filter(inGen).map((s) => s - g.firstShard);
  if (options.fence) {
    const epochs = new Map<number, number>();
    for (const [s, e] of options.fence.epochs) if (inGen(s)) epochs.set(s - g.firstShard, e);
    out.fence = { owner: options.fence.owner, epochs };
  }
  return out;
}
