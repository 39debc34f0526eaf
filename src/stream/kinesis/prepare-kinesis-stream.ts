/**
 * Opening a Kinesis stream for the Kinesis backend: create it when missing, wait until it
 * is ACTIVE, check its shards, raise its retention when the configuration asks for more.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { StreamUnavailableError } from '../errors.js';
import { isInUse, isNotFound } from './kinesis-client.js';

/** What to open; defaults in brackets. */
export interface PrepareOptions {
  name: string;
  shards: number;
  /** Hours Kinesis should keep records; raised to this when the stream keeps fewer. */
  retentionHours: number;
  /** How long to wait for a new stream to become ACTIVE [5 min]. */
  activeTimeoutMs?: number;
}

/** An open, ACTIVE stream. */
export interface PreparedStream {
  /** The open shards ordered by starting hash key: shard index i is `shards[i]`. */
  shards: Shard[];
  /** Kinesis's retention of the stream, hours. */
  retentionHours: number;
  /** Tells a stream from an earlier one deleted and re-created under the same name. */
  generation: string;
}

/**
 * Creates the stream when missing (CreateStream with the shard count), waits until it is
 * ACTIVE and lists its shards. Throws when the stream has another shard count or closed
 * shards (resharding is not supported), StreamUnavailableError when it is being deleted or
 * does not become ACTIVE in time.
 */
export async function prepareKinesisStream(
  client: KinesisClient,
  opts: PrepareOptions,
): Promise<PreparedStream> {
  const summary = await ensureActive(client, opts);
  const shards = await openShards(client, opts);
  let retentionHours = summary.retentionHours;
  if (opts.retentionHours > retentionHours) {
    await client.send(
      new IncreaseStreamRetentionPeriodCommand({
        StreamName: opts.name,
        RetentionPeriodHours: opts.retentionHours,
      }),
    );
    retentionHours = opts.retentionHours;
  }
  const generation = `${summary.createdMs}:${shards[0]!.SequenceNumberRange?.StartingSequenceNumber}`;
  return { shards, retentionHours, generation };
}

/** Creates the stream when missing and waits until it is ACTIVE. */
async function ensureActive(
  client: KinesisClient,
  opts: PrepareOptions,
): Promise<{ retentionHours: number; createdMs: number }> {
  const deadline = Date.now() + (opts.activeTimeoutMs ?? 300_000);
  let created = false;
  for (;;) {
    try {
      const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: opts.name }));
      const d = out.StreamDescriptionSummary!;
      if (d.StreamStatus === 'ACTIVE' || d.StreamStatus === 'UPDATING') {
        return {
          retentionHours: d.RetentionPeriodHours ?? 24,
          createdMs: d.StreamCreationTimestamp?.getTime() ?? 0,
        };
      }
      if (d.StreamStatus === 'DELETING') {
        throw new StreamUnavailableError(`Kinesis stream ${opts.name} is being deleted`);
      }
    } catch (err) {
      if (!isNotFound(err) || created) throw err;
      try {
        await client.send(
          new CreateStreamCommand({ StreamName: opts.name, ShardCount: opts.shards }),
        );
      } catch (e) {
        if (!isInUse(e)) throw e;
      }
      created = true;
    }
    if (Date.now() > deadline) {
      throw new StreamUnavailableError(`Kinesis stream ${opts.name} did not become ACTIVE in time`);
    }
    await new Promise((r) => setTimeout(r, created ? 100 : 1000));
  }
}

/** The open shards ordered by starting hash key; refuses a resharded stream. */
async function openShards(client: KinesisClient, opts: PrepareOptions): Promise<Shard[]> {
  const all: Shard[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(
      new ListShardsCommand(token ? { NextToken: token } : { StreamName: opts.name }),
    );
    all.push(...(out.Shards ?? []));
    token = out.NextToken;
  } while (token);
  const open = all.filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber);
  if (open.length !== opts.shards || open.length !== all.length) {
    throw new Error(
      `Kinesis stream ${opts.name} has ${open.length} open and ${all.length - open.length} closed shards, config says ${opts.shards}; resharding is not supported`,
    );
  }
  return open.sort((a, b) => {
    const x = BigInt(a.HashKeyRange!.StartingHashKey!);
    const y = BigInt(b.HashKeyRange!.StartingHashKey!);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
