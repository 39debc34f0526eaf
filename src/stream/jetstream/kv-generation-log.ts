/**
 * The generations of a resharded JetStream stream (../generations/generation-log.ts) in
 * the KV bucket `<name>-generations`, entry `list`; `add` and `retire` are compare-and-sets
 * on its revision, so two reshards (or a reshard and a retirement) cannot both win.
 */

import { type KV, type NatsConnection, StorageType } from 'nats';
import {
  checkGenerations,
  type Generation,
  type GenerationLog,
  nextGeneration,
  withoutOldest,
} from '../generations/generation-log.js';
import { connectNats } from './connect-nats.js';
import { isWrongLastSequence } from './nats-errors.js';

const KEY = 'list';
const enc = new TextEncoder();
const dec = new TextDecoder();

export class KvGenerationLog implements GenerationLog {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly bucket: string,
  ) {}

  /** Connects to NATS at `servers` and opens the bucket of stream `name`. */
  static async open(servers: string, name: string): Promise<KvGenerationLog> {
    const nc = await connectNats(servers, `faresight-generations-${name}`);
    try {
      const bucket = `${name}-generations`;
      const kv = await nc.jetstream().views.kv(bucket, { history: 1, storage: StorageType.File });
      return new KvGenerationLog(nc, kv, bucket);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  private async read(): Promise<{ list: Generation[]; revision: number } | undefined> {
    const e = await this.kv.get(KEY);
    if (e?.operation !== 'PUT') return undefined;
    return {
      list: checkGenerations(JSON.parse(dec.decode(e.value)), this.bucket),
      revision: e.revision,
    };
  }

  async list(shards: number): Promise<Generation[]> {
    const cur = await this.read();
    if (cur) return cur.list;
    const first: Generation[] = [{ gen: 0, shards, firstShard: 0 }];
    try {
      await this.kv.create(KEY, enc.encode(JSON.stringify(first)));
      return first;
    } catch (err) {
      if (!isWrongLastSequence(err)) throw err;
      return (await this.read())!.list; // another process created it first
    }
  }

  async add(last: Generation, shards: number): Promise<Generation> {
    const cur = await this.read();
    if (!cur || cur.list.at(-1)!.gen !== last.gen)
      throw new Error(`generation ${last.gen} is no longer the newest: another reshard ran`);
    const next = nextGeneration(last, shards);
    try {
      await this.kv.update(KEY, enc.encode(JSON.stringify([...cur.list, next])), cur.revision);
    } catch (err) {
      if (isWrongLastSequence(err))
        throw new Error(`generation ${last.gen} is no longer the newest: another reshard ran`);
      throw err;
    }
    return next;
  }

  async retire(oldest: Generation): Promise<boolean> {
    const cur = await this.read();
    const rest = cur && withoutOldest(cur.list, oldest);
    if (!cur || !rest) return false;
    try {
      await this.kv.update(KEY, enc.encode(JSON.stringify(rest)), cur.revision);
      return true;
    } catch (err) {
      if (isWrongLastSequence(err)) return false;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
