/**
 * Reads one shard of a JetStream stream ahead of a consumer group's reads: an ephemeral,
 * unacknowledged pull consumer filtered on the shard's subject, started at an explicit
 * sequence, whose records are buffered (bounded) until the group's `read` takes them.
 * The consumer is never the source of truth for positions (the checkpoint store is), so
 * any trouble (a gap in delivery, a lost connection, a deleted consumer) is handled by
 * throwing the consumer away and starting a new one right after the last record buffered.
 */
import type {
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  Consumer as NatsConsumer,
} from 'nats';
import { DeliverPolicy } from 'nats';
import { AggregateFormatError, unpackEntry } from '../aggregation.js';
import { StreamUnavailableError } from '../errors.js';
import type { StreamRecord } from '../stream.js';
import { ephemeralConfig } from './message-scan.js';
import { SEQ_SCALE } from './pack-messages.js';

/** What a shard reader needs from its stream. */
export interface ShardReaderContext {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subject: string;
  shard: number;
  /** About how many bytes one pull should bring (the buffer holds up to twice that). */
  fetchBytes: number;
}

/** Long-poll time of one pull; a stop cuts it short. */
const FETCH_EXPIRES_MS = 5_000;
const MAX_FETCH_MESSAGES = 256;
const MAX_BACKOFF_MS = 2_000;

export class ShardReader {
  private queue: StreamRecord[] = [];
  private head = 0;
  private queuedBytes = 0;
  private stopped = false;
  private consumer: NatsConsumer | undefined;
  private consumerName: string | undefined;
  private delivered = 0;
  /** Recent message size, rising at once and decaying slowly, to size pulls in messages. */
  private messageBytes: number;
  private iter: ConsumerMessages | undefined;
  private wake: (() => void) | undefined;
  private readonly done: Promise<void>;
  /** Set when the shard holds data this reader cannot decode; reads rethrow it. */
  failure: Error | undefined;

  /**
   * Starts reading at record sequence `next` (the group's checkpoint). `onData` is called
   * whenever records were buffered.
   */
  constructor(
    private readonly ctx: ShardReaderContext,
    private next: number,
    private readonly onData: () => void,
  ) {
    this.messageBytes = ctx.fetchBytes / 4;
    this.done = this.run();
  }

  /** Records buffered and not yet taken. */
  get available(): number {
    return this.queue.length - this.head;
  }

  /** Takes the next buffered record (call only when `available > 0`). */
  take(): StreamRecord {
    const r = this.queue[this.head++]!;
    this.queuedBytes -= r.data.length;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (!this.full()) this.wake?.();
    return r;
  }

  /** Stops pulling, deletes the server-side consumer and drops the buffer. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.iter?.stop();
    this.wake?.();
    await this.done;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  private full(): boolean {
    return this.queuedBytes >= 2 * this.ctx.fetchBytes || this.available >= 200_000;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped && !this.failure) {
      if (this.full()) {
        await this.sleep(60_000);
        continue;
      }
      try {
        if (!this.consumer) await this.openConsumer();
        const iter = await this.consumer!.fetch({
          max_messages: this.fetchMessages(),
          expires: FETCH_EXPIRES_MS,
        });
        this.iter = iter;
        if (this.stopped) iter.stop();
        for await (const m of iter) {
          if (this.stopped) break;
          if (m.info.deliverySequence !== this.delivered + 1) {
            // a message went missing in transit: restart right after the last one we kept
            await this.dropConsumer();
            break;
          }
          this.delivered = m.info.deliverySequence;
          this.messageBytes = Math.max(m.data.length, 0.98 * this.messageBytes);
          this.accept(m.seq, m.data);
        }
        failures = 0;
      } catch {
        if (this.stopped) break;
        failures++;
        await this.dropConsumer();
        await this.sleep(Math.min(MAX_BACKOFF_MS, 50 * 2 ** failures));
      } finally {
        this.iter = undefined;
      }
    }
    await this.dropConsumer();
  }

  /**
   * Messages per pull, from the average message size. Pulls are sized in messages, not
   * bytes: nats.js ends a byte-limited pull only when its bytes are used up, so a pull of
   * small messages would otherwise wait out its whole expiry.
   */
  private fetchMessages(): number {
    const n = Math.floor(this.ctx.fetchBytes / Math.max(1, this.messageBytes));
    return Math.max(1, Math.min(MAX_FETCH_MESSAGES, n));
  }

  private async openConsumer(): Promise<void> {
    const { jsm, js, stream, subject } = this.ctx;
    const ci = await jsm.consumers.add(
      stream,
      ephemeralConfig({
        filter_subject: subject,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: Math.max(1, Math.floor(this.next / SEQ_SCALE)),
      }),
    );
    this.consumerName = ci.name;
    this.delivered = 0;
    this.consumer = await js.consumers.get(stream, ci.name);
  }

  private async dropConsumer(): Promise<void> {
    const name = this.consumerName;
    this.consumer = undefined;
    this.consumerName = undefined;
    if (name) await this.ctx.jsm.consumers.delete(this.ctx.stream, name).catch(() => {});
  }

  private accept(streamSeq: number, data: Uint8Array): void {
    let records: ReturnType<typeof unpackEntry>;
    try {
      // copy: the client may reuse its read buffer, and records keep views into this one
      records = unpackEntry(Buffer.from(data));
    } catch (err) {
      if (!(err instanceof AggregateFormatError)) throw err;
      this.failure = new StreamUnavailableError(
        `${this.ctx.subject}: message ${streamSeq} is not a Faresight entry (${err.message})`,
        { cause: err },
      );
      this.onData();
      return;
    }
    const base = streamSeq * SEQ_SCALE;
    let added = 0;
    for (let i = 0; i < records.length; i++) {
      const seq = base + i;
      if (seq < this.next) continue;
      const r = records[i]!;
      this.queue.push({
        shard: this.ctx.shard,
        seq,
        key: r.key,
        id: r.id,
        data: r.data,
        timestamp: r.timestamp,
      });
      this.queuedBytes += r.data.length;
      added++;
    }
    this.next = base + SEQ_SCALE;
    if (added > 0) this.onData();
  }
}
