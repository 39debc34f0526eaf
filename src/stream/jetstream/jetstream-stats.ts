/**
 * What the JetStream stream reports and trims, read from the server without a consumer:
 * a group's lag on one shard, the stream's record count and time range, and the purge
 * of messages stored before a time. Records are counted from message headers (see
 * message-scan.ts); these functions map no errors (JetStreamStream.call does).
 */
import type { JetStreamClient, JetStreamManager } from 'nats';
import { unpackEntry } from '../aggregation.js';
import type { ShardLag, StreamInfo } from '../stream.js';
import { countRecords, firstSeqAtTime, nextMessage } from './message-scan.js';
import { isNotFound } from './nats-errors.js';
import { SEQ_SCALE } from './pack-messages.js';

/** A connected JetStream stream `name` of `shards` subjects `<name>.<shard>`. */
export interface JetStreamTarget {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly name: string;
  readonly shards: number;
}

/** Records at or after record sequence `next` on the shard, and the age of the first of them. */
export async function shardLag(
  t: JetStreamTarget,
  group: string,
  shard: number,
  next: number,
  now: number,
): Promise<ShardLag> {
  const subject = `${t.name}.${shard}`;
  let from = Math.floor(next / SEQ_SCALE);
  for (;;) {
    const m = await nextMessage(t.jsm, t.name, subject, from);
    if (!m) return { group, shard, records: 0, oldestAgeMs: 0 };
    const recs = unpackEntry(m.data);
    const first = Math.max(0, next - m.seq * SEQ_SCALE);
    if (first < recs.length) {
      const rest = await countRecords(t.js, t.jsm, t.name, { subject, fromSeq: m.seq + 1 });
      return {
        group,
        shard,
        records: recs.length - first + rest.records,
        oldestAgeMs: Math.max(0, now - recs[first]!.timestamp),
      };
    }
    from = m.seq + 1;
  }
}

/**
 * Record count and the oldest and newest record time, from the first and last message
 * of each shard: exact when each shard's timestamps grow.
 */
export async function streamTotals(
  t: JetStreamTarget,
): Promise<Pick<StreamInfo, 'records' | 'oldestTimestamp' | 'newestTimestamp'>> {
  const { state } = await t.jsm.streams.info(t.name);
  if (state.messages === 0)
    return { records: 0, oldestTimestamp: undefined, newestTimestamp: undefined };
  const all = `${t.name}.*`;
  const subjects = Array.from({ length: t.shards }, (_, shard) => `${t.name}.${shard}`);
  const [count, firsts, lasts] = await Promise.all([
    countRecords(t.js, t.jsm, t.name, { subject: all, fromSeq: state.first_seq }),
    Promise.all(subjects.map((s) => nextMessage(t.jsm, t.name, s, state.first_seq))),
    Promise.all(
      subjects.map((s) =>
        t.jsm.streams.getMessage(t.name, { last_by_subj: s }).catch((err) => {
          if (isNotFound(err)) return undefined;
          throw err;
        }),
      ),
    ),
  ]);
  const times = (ms: ({ data: Uint8Array } | undefined)[]) =>
    ms.flatMap((m) => (m ? unpackEntry(m.data).map((r) => r.timestamp) : []));
  const oldest = times(firsts);
  const newest = times(lasts);
  return {
    records: count.records,
    oldestTimestamp: oldest.length > 0 ? oldest.reduce((a, b) => Math.min(a, b)) : undefined,
    newestTimestamp: newest.length > 0 ? newest.reduce((a, b) => Math.max(a, b)) : undefined,
  };
}

/** Purges the messages stored before `cutoff` (append time) and returns how many records they held. */
export async function purgeBefore(t: JetStreamTarget, cutoff: number): Promise<number> {
  const { state } = await t.jsm.streams.info(t.name);
  if (state.messages === 0) return 0;
  const keepFrom = await firstSeqAtTime(t.jsm, t.name, cutoff);
  if (keepFrom <= state.first_seq) return 0;
  const count = await countRecords(t.js, t.jsm, t.name, {
    subject: `${t.name}.*`,
    fromSeq: state.first_seq,
    maxMessages: keepFrom - state.first_seq,
  });
  await t.jsm.streams.purge(t.name, { seq: keepFrom });
  return count.records;
}
