import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { unpackEntry } from '../aggregation.js';
import { shardFor } from '../stream.js';
import { runStreamSuite, type StreamSuiteParams } from '../stream-suite.js';
import { makeRecords, perShard, readRecords, sortedIds } from '../testing/stream-fixtures.js';
import { createKinesisClient } from './kinesis-client.js';
import { KinesisStream } from './kinesis-stream.js';
import { openPgliteCheckpoints, startKinesalite } from './testing/kinesis-fixtures.js';

// kinesalite runs in this process (a dev dependency), so this test never needs a server
const kin = await startKinesalite();
const checkpoints = await openPgliteCheckpoints();
after(async () => {
  await kin.close();
  await checkpoints.close();
});

function create(o: StreamSuiteParams & { shards: number }): KinesisStream {
  return new KinesisStream({
    ...kin.conn,
    ...o,
    checkpoints: checkpoints.store,
    pollIntervalMs: 50,
    trimIntervalMs: 0,
  });
}

runStreamSuite({
  name: 'kinesis (kinesalite)',
  create: async (o) => create(o),
  destroy: (name) => KinesisStream.destroy(kin.conn, name),
});

const POLICY = { count: 10_000, bytes: 64 * 1024 * 1024, periodMs: 200 };
const BASE = { retentionMs: 3_600_000, dedupeWindowMs: 60_000 };
let n = 0;
const uniqueName = (slug: string) => `k${Date.now().toString(36)}-${n++}-${slug}`;

describe('kinesis specifics', () => {
  const client = createKinesisClient(kin.conn);
  const opened: KinesisStream[] = [];
  async function open(name: string, shards: number): Promise<KinesisStream> {
    const s = create({ ...BASE, name, shards });
    await s.connect();
    opened.push(s);
    return s;
  }
  after(async () => {
    for (const s of opened) await s.close();
    client.destroy();
  });

  it('stores aggregated entries in the Kinesis shard of shardFor(key), by starting hash key', async () => {
    const name = uniqueName('routing');
    const s = await open(name, 3);
    const recs = makeRecords(200, {
      prefix: 'r',
      keys: Array.from({ length: 17 }, (_, i) => `K${i}`),
    });
    await s.append(recs);
    const shards = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards!;
    shards.sort((a, b) =>
      BigInt(a.HashKeyRange!.StartingHashKey!) < BigInt(b.HashKeyRange!.StartingHashKey!) ? -1 : 1,
    );
    let entries = 0;
    const seen: string[] = [];
    for (const [i, sh] of shards.entries()) {
      const it = await client.send(
        new GetShardIteratorCommand({
          StreamName: name,
          ShardId: sh.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const out = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
      for (const r of out.Records ?? []) {
        entries++;
        for (const rec of unpackEntry(r.Data!)) {
          assert.equal(shardFor(rec.key, 3), i, `record ${rec.id} in Kinesis shard ${sh.ShardId}`);
          seen.push(rec.id);
        }
      }
    }
    assert.deepEqual(seen.sort(), sortedIds(recs));
    assert.ok(entries <= 3, `200 small records travel in one entry per shard, got ${entries}`);
  });

  it('two processes reading the same stream see the same seqs, also after a rewind by time', async () => {
    const name = uniqueName('seqs');
    const a = await open(name, 2);
    const b = await open(name, 2);
    await a.append(makeRecords(30, { prefix: 'x', keys: ['a', 'b', 'c', 'd'] }));
    await b.append(makeRecords(30, { prefix: 'y', keys: ['a', 'b', 'c', 'd'] }));
    const [fromA, fromB] = await Promise.all([
      a.consumer('ga', POLICY).then((c) => readRecords(c, 60, { commit: true })),
      b.consumer('gb', POLICY).then((c) => readRecords(c, 60, { commit: true })),
    ]);
    assert.deepEqual(perShard(fromA.records), perShard(fromB.records));
    await b.rewind('ga', { time: 0 });
    const again = await readRecords(await b.consumer('ga', POLICY), 60);
    assert.deepEqual(perShard(again.records), perShard(fromA.records));
  });

  it('dedupe holds across processes appending the same records at once', async () => {
    const name = uniqueName('dedupe');
    const a = await open(name, 2);
    const b = await open(name, 2);
    const recs = makeRecords(20, { prefix: 'd', keys: ['a', 'b', 'c'] });
    const [ra, rb] = await Promise.all([a.append(recs), b.append(recs)]);
    assert.equal(ra.appended + rb.appended, 20);
    assert.equal(ra.duplicates + rb.duplicates, 20);
    const got = await readRecords(await a.consumer('g', POLICY), 20);
    assert.deepEqual(sortedIds(got.records), sortedIds(recs));
    assert.equal((await a.info()).records, 20);
  });

  it('reads a record another producer wrote without aggregation as one record', async () => {
    const name = uniqueName('foreign');
    const s = await open(name, 1);
    await client.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: [{ PartitionKey: 'LHR-JFK', Data: Buffer.from('{"plain":true}') }],
      }),
    );
    const [r] = (await readRecords(await s.consumer('g', POLICY), 1)).records;
    assert.equal(r!.key, 'LHR-JFK');
    assert.equal(Buffer.from(r!.data).toString(), '{"plain":true}');
    assert.match(r!.id, /^kinesis:\d+$/);
  });

  it('raises the Kinesis retention when the configured one is over 24 h', async () => {
    const name = uniqueName('retention');
    const s = create({ ...BASE, retentionMs: 48 * 3_600_000, name, shards: 1 });
    await s.connect();
    opened.push(s);
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    assert.equal(d.StreamDescriptionSummary!.RetentionPeriodHours, 48);
  });

  it('refuses to open an existing stream with another shard count', async () => {
    const name = uniqueName('shards');
    await open(name, 2);
    const other = create({ ...BASE, name, shards: 3 });
    await assert.rejects(other.connect(), /2 open .* config says 3; resharding is not supported/);
  });
});
