/**
 * LeaseStore on JetStream KV, beside the checkpoints: bucket `<stream>-leases`, one entry
 * per lease (`<group>.s.<shard>`: owner, epoch, expiry) and one per member
 * (`<group>.m.<owner, base64url>`: expiry). Every change of a lease is a compare-and-set on
 * the entry's revision, so two members racing for a shard cannot both win, and the epoch
 * (the fencing token) is bumped on every change of owner, as on SQL. With it,
 * `consumers.leases` needs no PostgreSQL on JetStream; the commit itself is fenced in the
 * checkpoint entry (checkpoint-store.ts `claim`), so no pause between a lease check and a
 * checkpoint write can let a former owner commit.
 */

import { type KV, type NatsConnection, StorageType } from 'nats';
import { FencedError, type Lease, type LeaseStore, type Member } from '../lease/lease-store.js';
import { connectNats } from './connect-nats.js';
import { isWrongLastSequence } from './nats-errors.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const CAS_ATTEMPTS = 20;
/** Members silent this long are removed from the bucket (as on SQL). */
const FORGET_MEMBERS_MS = 3_600_000;

interface LeaseValue {
  owner: string | null;
  epoch: number;
  expiresAt: number;
}

const shardKey = (group: string, shard: number) => `${group}.s.${shard}`;
const memberKey = (group: string, owner: string) =>
  `${group}.m.${Buffer.from(owner).toString('base64url')}`;

export class KvLeaseStore implements LeaseStore {
  private readonly buckets = new Map<string, Promise<KV>>();

  /** `nc` is this store's connection; `close()` closes it when `ownsConnection`. */
  constructor(
    private readonly nc: NatsConnection,
    private readonly ownsConnection = true,
  ) {}

  private kv(stream: string): Promise<KV> {
    let b = this.buckets.get(stream);
    if (!b) {
      b = this.nc.jetstream().views.kv(`${stream}-leases`, {
        history: 1,
        storage: StorageType.File,
      });
      b.catch(() => this.buckets.delete(stream));
      this.buckets.set(stream, b);
    }
    return b;
  }

  private async read(kv: KV, key: string): Promise<{ v: LeaseValue; revision: number }> {
    const e = await kv.get(key);
    if (e?.operation !== 'PUT') return { v: { owner: null, epoch: 0, expiresAt: 0 }, revision: 0 };
    const v = JSON.parse(dec.decode(e.value)) as LeaseValue;
    return { v, revision: e.revision };
  }

  /**
   * Compare-and-set loop on one lease: `change` returns the new value, or undefined to
   * leave it. Resolves the value written (or undefined when `change` declined).
   */
  private async cas(
    stream: string,
    key: string,
    change: (v: LeaseValue) => LeaseValue | undefined,
  ): Promise<LeaseValue | undefined> {
    const kv = await this.kv(stream);
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const { v, revision } = await this.read(kv, key);
      const next = change(v);
      if (!next) return undefined;
      try {
        const data = enc.encode(JSON.stringify(next));
        if (revision === 0) await kv.create(key, data);
        else await kv.update(key, data, revision);
        return next;
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
    }
    throw new Error(`lease ${key} of stream ${stream}: too many concurrent writers`);
  }

  async init(stream: string, group: string, shards: number): Promise<void> {
    const kv = await this.kv(stream);
    for (let shard = 0; shard < shards; shard++) {
      try {
        await kv.create(
          shardKey(group, shard),
          enc.encode(JSON.stringify({ owner: null, epoch: 0, expiresAt: 0 })),
        );
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
      }
    }
  }

  async heartbeat(stream: string, group: string, owner: string, ttlMs: number, now: number) {
    const kv = await this.kv(stream);
    await kv.put(
      memberKey(group, owner),
      enc.encode(JSON.stringify({ owner, expiresAt: now + ttlMs })),
    );
    for (const m of await this.allMembers(kv, group))
      if (m.expiresAt < now - FORGET_MEMBERS_MS) await kv.purge(memberKey(group, m.owner));
  }

  async leave(stream: string, group: string, owner: string): Promise<void> {
    await (await this.kv(stream)).purge(memberKey(group, owner));
  }

  private async allMembers(kv: KV, group: string): Promise<Member[]> {
    const out: Member[] = [];
    for (const key of await this.keys(kv, `${group}.m.>`)) {
      const e = await kv.get(key);
      if (e?.operation === 'PUT') out.push(JSON.parse(dec.decode(e.value)) as Member);
    }
    return out;
  }

  private async keys(kv: KV, filter: string): Promise<string[]> {
    const out: string[] = [];
    for await (const k of await kv.keys(filter)) out.push(k);
    return out;
  }

  async members(stream: string, group: string, now: number): Promise<Member[]> {
    const all = await this.allMembers(await this.kv(stream), group);
    return all
      .filter((m) => m.expiresAt > now)
      .sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  }

  async leases(stream: string, group?: string): Promise<Lease[]> {
    const kv = await this.kv(stream);
    const out: Lease[] = [];
    for (const key of await this.keys(kv, `${group ?? '*'}.s.*`)) {
      const [g, , s] = key.split('.');
      const { v } = await this.read(kv, key);
      out.push({
        stream,
        group: g!,
        shard: Number(s),
        owner: v.owner ?? undefined,
        epoch: v.epoch,
        expiresAt: v.expiresAt,
      });
    }
    return out.sort((a, b) =>
      a.group === b.group ? a.shard - b.shard : a.group < b.group ? -1 : 1,
    );
  }

  async acquire(
    stream: string,
    group: string,
    shard: number,
    owner: string,
    ttlMs: number,
    now: number,
  ): Promise<Lease | undefined> {
    const v = await this.cas(stream, shardKey(group, shard), (cur) => {
      if (cur.owner !== null && cur.owner !== owner && cur.expiresAt > now) return undefined;
      const epoch = cur.owner === owner ? cur.epoch : cur.epoch + 1;
      return { owner, epoch, expiresAt: now + ttlMs };
    });
    return v && { stream, group, shard, owner, epoch: v.epoch, expiresAt: v.expiresAt };
  }

  async renew(
    stream: string,
    group: string,
    owner: string,
    epochs: ReadonlyMap<number, number>,
    ttlMs: number,
    now: number,
  ): Promise<number[]> {
    const kept: number[] = [];
    for (const [shard, epoch] of epochs) {
      const v = await this.cas(stream, shardKey(group, shard), (cur) =>
        cur.owner === owner && cur.epoch === epoch ? { ...cur, expiresAt: now + ttlMs } : undefined,
      );
      if (v) kept.push(shard);
    }
    return kept;
  }

  async release(
    stream: string,
    group: string,
    owner: string,
    epochs: ReadonlyMap<number, number>,
  ): Promise<void> {
    for (const [shard, epoch] of epochs)
      await this.cas(stream, shardKey(group, shard), (cur) =>
        cur.owner === owner && cur.epoch === epoch
          ? { owner: null, epoch, expiresAt: 0 }
          : undefined,
      );
  }

  async check(
    stream: string,
    group: string,
    owner: string,
    epochs: ReadonlyMap<number, number>,
  ): Promise<void> {
    const kv = await this.kv(stream);
    const lost: number[] = [];
    for (const [shard, epoch] of epochs) {
      const { v } = await this.read(kv, shardKey(group, shard));
      if (v.owner !== owner || v.epoch !== epoch) lost.push(shard);
    }
    if (lost.length > 0) throw FencedError.of(stream, group, owner, lost);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.nc.close();
  }
}

/** Connects to NATS at `servers` (comma separated) and opens a KvLeaseStore on it. */
export async function openKvLeaseStore(servers: string): Promise<KvLeaseStore> {
  const nc = await connectNats(servers, 'faresight-leases');
  return new KvLeaseStore(nc);
}
