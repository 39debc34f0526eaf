import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { BackpressureError, StreamUnavailableError } from '../errors.js';
import { KinesisProducer, type PutEntry } from './kinesis-producer.js';

const HASH_KEYS = ['0', '1000', '2000'];

function entry(shard: number, name: string): PutEntry {
  return { shard, partitionKey: `s${shard}`, data: Buffer.from(name), ids: [name] };
}

/** A client whose PutRecords answers per entry from `fail(name, attempt)`; logs each call. */
function fakeClient(fail: (name: string, attempt: number) => string | undefined) {
  const calls: string[][] = [];
  const attempts = new Map<string, number>();
  let seq = 0;
  const client = {
    async send(cmd: PutRecordsCommand) {
      const records = cmd.input.Records!;
      calls.push(records.map((r) => Buffer.from(r.Data!).toString()));
      return {
        FailedRecordCount: 0,
        Records: records.map((r) => {
          const name = Buffer.from(r.Data!).toString();
          const n = (attempts.get(name) ?? 0) + 1;
          attempts.set(name, n);
          const code = fail(name, n);
          if (code) return { ErrorCode: code, ErrorMessage: 'slow down' };
          return { SequenceNumber: String(++seq), ShardId: `shard-${r.ExplicitHashKey}` };
        }),
      };
    },
  };
  return { client: client as unknown as KinesisClient, calls };
}

describe('KinesisProducer', () => {
  it('retries only failed entries and sends a shard its next entry only after the previous one is stored', async () => {
    const { client, calls } = fakeClient((name, n) =>
      name === 'a1' && n < 3 ? 'ProvisionedThroughputExceededException' : undefined,
    );
    const p = new KinesisProducer(client, 's', HASH_KEYS, { retryBaseMs: 1 });
    const out = await p.put([
      [entry(0, 'a1'), entry(0, 'a2')],
      [entry(1, 'b1'), entry(1, 'b2')],
      [],
    ]);
    assert.equal(out.error, undefined);
    assert.deepEqual(calls, [['a1', 'b1'], ['a1', 'b2'], ['a1'], ['a2']]);
    assert.deepEqual(out.stored, ['b1', 'b2', 'a1', 'a2']);
  });

  it('gives up with BackpressureError when a shard stays throttled, reporting what was stored', async () => {
    const { client, calls } = fakeClient((name) =>
      name.startsWith('a') ? 'ProvisionedThroughputExceededException' : undefined,
    );
    const p = new KinesisProducer(client, 's', HASH_KEYS, { retryBaseMs: 1, maxAttempts: 3 });
    const out = await p.put([[entry(0, 'a1')], [entry(1, 'b1')], [entry(2, 'c1')]]);
    assert.ok(out.error instanceof BackpressureError, String(out.error));
    assert.ok(out.error.retryAfterMs > 0);
    assert.deepEqual(out.stored.sort(), ['b1', 'c1']);
    assert.equal(calls.length, 3);
  });

  it('fails at once with StreamUnavailableError when the call itself is refused', async () => {
    let n = 0;
    const client = {
      async send() {
        n++;
        throw Object.assign(new Error('Stream s not found'), { name: 'ResourceNotFoundException' });
      },
    } as unknown as KinesisClient;
    const out = await new KinesisProducer(client, 's', HASH_KEYS, { retryBaseMs: 1 }).put([
      [entry(0, 'a1')],
    ]);
    assert.ok(out.error instanceof StreamUnavailableError);
    assert.match(out.error.message, /ResourceNotFoundException/);
    assert.deepEqual([n, out.stored], [1, []]);
  });

  it('splits a round into calls of at most 500 entries and 5 MiB', async () => {
    const { client, calls } = fakeClient(() => undefined);
    const big = (shard: number): PutEntry => ({
      shard,
      partitionKey: `s${shard}`,
      data: Buffer.alloc(1024 * 1024 - 8, shard),
      ids: [`big${shard}`],
    });
    const queues = Array.from({ length: 7 }, (_, s) => [big(s)]);
    const p = new KinesisProducer(
      client,
      's',
      Array.from({ length: 7 }, (_, i) => String(i)),
    );
    const out = await p.put(queues);
    assert.equal(out.stored.length, 7);
    assert.deepEqual(
      calls.map((c) => c.length),
      [5, 2],
    );
  });
});
