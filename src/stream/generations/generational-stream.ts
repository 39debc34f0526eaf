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
}

const APPEND_ATTEMPTS = 5;

export class GenerationalStream implements Stream {
  readonly name: string;
  private gens: Generation[] = [];
  private readonly streams = new Map<number, Promise<SealableStream>>();

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
    const s = await this.streamOf(this.newest());
    if (s.browse)
      this.browse = async (shard, from, limit) => {
        const inner = await this.streamOf(this.newest());
        if (!inner.browse)
          throw new StreamUnavailableError(`stream ${this.name} cannot be browsed`);
        return inner.browse(shard, from, limit);
      };
  }

  /** Re-reads the generation log (another process may have resharded). */
  async refresh(): Promise<readonly Generation[]> {
    this.gens = await this.opts.log.list(this.opts.shards);
    return this.gens;
  }

  newest(): Generation {
    const g = this.gens.at(-1);
    if (!g) throw new StreamUnavailableError(`stream ${this.name} is not connected`);
    return g;
  }

  /** The physical stream of generation `g`, opened once. */
  streamOf(g: Generation): Promise<SealableStream> {
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

  async trim(now?: number): Promise<number> {
    let n = 0;
    for (const g of this.gens) n += await (await this.streamOf(g)).trim(now);
    return n;
  }

  async close(): Promise<void> {
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
