/**
 * The generations of a resharded stream (generational-stream.ts): which physical streams
 * hold its records, oldest first, and how many shards each has. Every generation but the
 * last is sealed (takes no appends); the last takes every append. Kept beside the stream:
 * a JSON file beside the embedded stream's databases, a KV entry on JetStream.
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

/** Throws unless `list` is a well-formed list of generations (read from storage). */
export function checkGenerations(list: unknown, where: string): Generation[] {
  const ok =
    Array.isArray(list) &&
    list.length > 0 &&
    list.every(
      (g, i) =>
        g?.gen === i &&
        Number.isInteger(g.shards) &&
        g.shards > 0 &&
        g.firstShard === (i === 0 ? 0 : list[i - 1].firstShard + list[i - 1].shards),
    );
  if (!ok) throw new Error(`${where} does not hold a valid list of stream generations`);
  return list as Generation[];
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
    const lock = `${this.file}.lock`;
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw new Error(`another reshard holds ${lock} (remove it if no reshard is running)`);
      throw err;
    }
    try {
      const list = await this.list(last.shards);
      if (list.at(-1)!.gen !== last.gen)
        throw new Error(`generation ${last.gen} is no longer the newest: another reshard ran`);
      const next = nextGeneration(last, shards);
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, JSON.stringify([...list, next]));
      renameSync(tmp, this.file);
      return next;
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }

  async close(): Promise<void> {}
}
