/**
 * Short-lived questions to a JetStream stream, answered with a throwaway consumer or a get:
 * where does a time start, how many records lie past a sequence, what is the next message.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type MsgRequest,
  nanos,
  type StoredMsg,
} from 'nats';
import { isNotFound } from './nats-errors.js';

/** Header carrying how many records a message holds, so counting needs only headers. */
export const RECORDS_HEADER = 'Faresight-Records';

/**
 * Headers read per scan before the rest is estimated from their average: a lag or info
 * call stays cheap however far behind a group is.
 */
export const MAX_SCANNED_MESSAGES = 20_000;

/** Idle time after which the server deletes a scan's or reader's forgotten consumer. */
export const EPHEMERAL_IDLE_MS = 60_000;

const SCAN_FETCH_MESSAGES = 2_000;
const SCAN_FETCH_EXPIRES_MS = 2_000;

/** A throwaway consumer: no acks, state in memory, deleted by the server when idle. */
export function ephemeralConfig(extra: Partial<ConsumerConfig>): Partial<ConsumerConfig> {
  return {
    ack_policy: AckPolicy.None,
    mem_storage: true,
    inactive_threshold: nanos(EPHEMERAL_IDLE_MS),
    ...extra,
  };
}

/**
 * The first stream sequence stored at or after `time` (the server's store time), or
 * `last_seq + 1` when every message is older. Uses DeliverPolicy.StartTime, which the
 * server resolves with a binary search over its store.
 */
export async function firstSeqAtTime(
  jsm: JetStreamManager,
  stream: string,
  time: number,
): Promise<number> {
  const ci = await jsm.consumers.add(
    stream,
    ephemeralConfig({
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(Math.max(0, time)).toISOString(),
    }),
  );
  await jsm.consumers.delete(stream, ci.name).catch(() => {});
  return ci.delivered.stream_seq + 1;
}

/** The first message on `subject` (wildcards allowed) with sequence >= `seq`, or undefined. */
export async function nextMessage(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  seq: number,
): Promise<StoredMsg | undefined> {
  // nats.js 2.x types leave next_by_subj out of STREAM.MSG.GET; nats-server 2.9 accepts it
  const query = { seq: Math.max(1, seq), next_by_subj: subject } as unknown as MsgRequest;
  try {
    return await jsm.streams.getMessage(stream, query);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Result of counting records: `exact` is false when part of it was estimated. */
export interface RecordCount {
  records: number;
  messages: number;
  exact: boolean;
}

/**
 * Counts the records in messages on `subject` from `fromSeq` on (at most `maxMessages`
 * messages when given, e.g. up to a purge point), reading headers only. Beyond
 * MAX_SCANNED_MESSAGES the remainder is estimated from the average records per message.
 */
export async function countRecords(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  opts: { subject: string; fromSeq: number; maxMessages?: number },
): Promise<RecordCount> {
  const ci = await jsm.consumers.add(
    stream,
    ephemeralConfig({
      filter_subject: opts.subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, opts.fromSeq),
      headers_only: true,
    }),
  );
  try {
    let total = Math.min(ci.num_pending, opts.maxMessages ?? Number.POSITIVE_INFINITY);
    const want = Math.min(total, MAX_SCANNED_MESSAGES);
    let scanned = 0;
    let records = 0;
    if (want > 0) {
      const consumer = await js.consumers.get(stream, ci.name);
      while (scanned < want) {
        const asked = Math.min(SCAN_FETCH_MESSAGES, want - scanned);
        const iter = await consumer.fetch({ max_messages: asked, expires: SCAN_FETCH_EXPIRES_MS });
        let got = 0;
        for await (const m of iter) {
          records += Number(m.headers?.get(RECORDS_HEADER) || 1);
          got++;
        }
        scanned += got;
        if (got < asked) {
          // retention removed messages under us: what is left was all read
          total = scanned;
          break;
        }
      }
    }
    const rest = Math.max(0, total - scanned);
    const estimate = rest === 0 ? 0 : Math.round(scanned > 0 ? (rest * records) / scanned : rest);
    return { records: records + estimate, messages: total, exact: rest === 0 };
  } finally {
    await jsm.consumers.delete(stream, ci.name).catch(() => {});
  }
}
