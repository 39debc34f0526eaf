/**
 * The generations of a resharded stream (generational-stream.ts): which physical streams
 * hold its records, oldest first, and how many shards each has. Every generation but the
 * last is sealed (takes no appends); the last takes every append. Kept beside the stream:
 * a JSON file beside the embedded stream's databases, a KV entry on JetStream. A sealed
 * generation past retention is retired (`retire`): its entry leaves the front of the
 * list, so the list may start at any generation, its shard ids where they always were.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** One generation. Its shards are numbered `firstShard .. firstShard + shards - 1` to readers. */
export interface Generation {
  gen: number;
  shards: number;
  /** The first shard id of this generation as readers see it (after every older one's). */
  firstShard: number;
}

export interface GenerationLog {
  /** The generations, oldest first; creates generation 0 with `shards` when the log is new. */
  list(shards: number): Promise<Generation[]>;
  /**
   * Appends the generation after `last` with `shards` shards. Throws when `last` is no
   * longer the newest generation (another reshard won) and nothing is written.
   */
  add(last: Generation, shards: number): Promise<Generation>;
  /**
   * Removes `oldest` from the front of the list. Resolves true when this call removed it,
   * false when it is no longer the oldest (another process retired it) or the log is busy
   * (a reshard holds it: try again later). Throws for the newest generation.
   */
  retire(oldest: Generation): Promise<boolean>;
  close(): Promise<void>;
}

/** The stored name of generation `gen` of stream `name`: the name itself for generation 0. */
export function generationName(name: string, gen: number): string {
  return gen === 0 ? name : `${name}-g${gen}`;
}

/** The generation after `last`, with `shards` shards. */
export function nextGeneration(last: Generation, shards: number): Generation {
  return { gen: last.gen + 1, shards, firstShard: last.firstShard + last.shards };
}

/**
 * Throws unless `list` is a well-formed list of generations (read from storage): numbered
 * one after another from any generation (older ones retired), each one's shard ids after
 * the one's before, generation 0's from 0.
 */
export function checkGenerations(list: unknown, where: string): Generation[] {
  const ok =
    Array.isArray(list) &&
    list.length > 0 &&
    list.every(
      (g, i) =>
        Number.isInteger(g?.gen) &&
        g.gen >= 0 &&
        Number.isInteger(g.shards) &&
        g.shards > 0 &&
        Number.isInteger(g.firstShard) &&
        g.firstShard >= 0 &&
        (i === 0
          ? g.gen > 0 || g.firstShard === 0
          : g.gen === list[i - 1].gen + 1 &&
            g.firstShard === list[i - 1].firstShard + list[i - 1].shards),
    );
  if (!ok) throw new Error(`${where} does not hold a valid list of stream generations`);
  return list as Generation[];
}

/** `list` without its first entry, when that is `oldest` and not the newest; else undefined. */
export function withoutOldest(list: Generation[], oldest: Generation): Generation[] | undefined {
  if (list[0]?.gen !== oldest.gen) return undefined;
  if (list.length === 1)
    throw new Error(`generation ${oldest.gen} is the newest: it takes the appends`);
  return list.slice(1);
}

/**
 * A GenerationLog in a JSON file, replaced atomically (write, rename); `add` holds a lock
 * file so two reshards cannot both win. Several processes on one machine share it.
 */
export class FileGenerationLog implements GenerationLog {
  constructor(private readonly file: string) {}

  async list(shards: number): Promise<Generation[]> {
    try {
      return checkGenerations(JSON.parse(readFileSync(this.file, 'utf8')), this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const first: Generation[] = [{ gen: 0, shards, firstShard: 0 }];
    try {
      writeFileSync(this.file, JSON.stringify(first), { flag: 'wx' });
      return first;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return this.list(shards); // another process created it first
    }
  }

  async add(last: Generation, shards: number): Promise<Generation> {
    const fd = this.lock();
    if (fd === undefined)
      throw new Error(
        `another reshard holds ${this.file}.lock (remove it if no reshard is running)`,
      );
    try {
      const list = await this.list(last.shards);
      if (list.at(-1)!.gen !== last.gen)
        throw new Error(`generation ${last.gen} is no longer the newest: another reshard ran`);
      const next = nextGeneration(last, shards);
      this.write([...list, next]);
      return next;
    } finally {
      this.unlock(fd);
    }
  }

  async retire(oldest: Generation): Promise<boolean> {
    const fd = this.lock();
    if (fd === undefined) return false;
    try {
      const rest = withoutOldest(await this.list(oldest.shards), oldest);
      if (rest) this.write(rest);
      return rest !== undefined;
    } finally {
      this.unlock(fd);
    }
  }

  /** Takes the lock file; undefined when another process holds it. */
  private lock(): number | undefined {
    try {
      return openSync(`${this.file}.lock`, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw err;
    }
  }

  private unlock(fd: number): void {
    closeSync(fd);
    rmSync(`${this.file}.lock`, { force: true });
  }

  private write(list: Generation[]): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(list));
    renameSync(tmp, this.file);
  }

  async close(): Promise<void> {}
}
