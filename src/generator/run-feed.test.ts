import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ShoppingRecord } from '../model/shopping-record.js';
import { validateRecord } from '../model/validate.js';
import { type Logger, silentLogger } from '../ops/logger.js';
import { freePort } from '../ops/testing/ports.js';
import { threadNiceness, threadsAtNiceness } from '../ops/thread-priority.js';
import { FeedRejectedError, GeneratorOptionError } from './errors.js';
import { runFeedOnThread } from './feed-thread.js';
import { parseRetryAfter } from './ingest-sink.js';
import {
  PACED_PROGRESS_LOG_INTERVAL_MS,
  PROGRESS_LOG_INTERVAL_MS,
  progressLogIntervalMs,
  runFeed,
  type StartFeedOptions,
  startFeed,
} from './run-feed.js';

interface Received {
  url: string;
  auth: string | undefined;
  contentType: string | undefined;
  ids: string[];
}

/**
 * A stand-in for ingest on a random port. `respond` decides each request's answer by its
 * 0-based index; by default 202 with every record accepted.
 */
async function withServer(
  respond: (
    index: number,
    records: ShoppingRecord[],
  ) => { status: number; headers?: Record<string, string>; body?: unknown },
  fn: (base: string, received: Received[]) => Promise<void>,
): Promise<void> {
  const received: Received[] = [];
  let index = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const records = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ShoppingRecord[];
      received.push({
        url: req.url ?? '',
        auth: req.headers.authorization,
        contentType: req.headers['content-type'],
        ids: records.map((r) => r.id),
      });
      const answer = respond(index++, records);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await fn(base, received);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const accepted = (records: ShoppingRecord[]) => ({
  status: 202,
  body: { accepted: records.length, rejected: [] },
});

let dir = '';
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-feed-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('runFeed to ingest', () => {
  it('retries a batch answered 503 with Retry-After and loses nothing', async () => {
    await withServer(
      (i, records) =>
        i === 0
          ? { status: 503, headers: { 'retry-after': '1' }, body: { error: 'busy' } }
          : accepted(records),
      async (base, received) => {
        const result = await runFeed({
          seed: 3,
          rate: 100,
          count: 120,
          batchSize: 50,
          target: base,
          token: 's3cret',
        });
        assert.deepEqual(result, { sent: 120, accepted: 120, failed: 0 });
        assert.equal(received.length, 4, 'three batches plus one retry');
        const first = received[0]!.ids;
        assert.ok(
          received.slice(1).some((r) => JSON.stringify(r.ids) === JSON.stringify(first)),
          'the refused batch was sent again unchanged',
        );
        const delivered = new Set(received.slice(1).flatMap((r) => r.ids));
        assert.equal(delivered.size, 120);
        for (const r of received) {
          assert.equal(r.url, '/v1/ingest/generic');
          assert.equal(r.auth, 'Bearer s3cret');
          assert.equal(r.contentType, 'application/json');
        }
      },
    );
  });

  it('counts records the server rejected and posts to the vendor route', async () => {
    await withServer(
      (_i, records) => ({
        status: 202,
        body: { accepted: records.length - 1, rejected: [{ index: 0, errors: ['x'] }] },
      }),
      async (base, received) => {
        const result = await runFeed({
          seed: 1,
          rate: 50,
          count: 30,
          batchSize: 10,
          target: `${base}/`,
          vendor: 'kiwi',
        });
        assert.deepEqual(result, { sent: 30, accepted: 27, failed: 3 });
        assert.ok(received.every((r) => r.url === '/v1/ingest/kiwi' && r.auth === undefined));
      },
    );
  });

  it('keeps retrying while ingest is not up yet, then delivers', async () => {
    // A closed port no other test is given meanwhile: start the feed, then a server there.
    const port = await freePort();
    let got = 0;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = (JSON.parse(Buffer.concat(chunks).toString()) as unknown[]).length;
        got += n;
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: n, rejected: [] }));
      });
    });
    const feed = runFeed({
      seed: 2,
      rate: 100,
      count: 40,
      batchSize: 20,
      target: `http://127.0.0.1:${port}`,
    });
    await new Promise((r) => setTimeout(r, 300));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      assert.deepEqual(await feed, { sent: 40, accepted: 40, failed: 0 });
      assert.equal(got, 40);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('keeps at most maxInFlight requests in flight', async () => {
    let current = 0;
    let peak = 0;
    const server = http.createServer((req, res) => {
      current++;
      peak = Math.max(peak, current);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = (JSON.parse(Buffer.concat(chunks).toString()) as unknown[]).length;
        setTimeout(() => {
          current--;
          res.writeHead(202, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ accepted: n, rejected: [] }));
        }, 30);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await runFeed({
        seed: 6,
        rate: 100,
        count: 200,
        batchSize: 10,
        maxInFlight: 3,
        target: base,
      });
      assert.equal(result.accepted, 200);
      assert.ok(peak <= 3, `peak ${peak} requests in flight`);
      assert.ok(peak >= 2, 'requests were not overlapped at all');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('fails with FeedRejectedError when ingest refuses the token', async () => {
    await withServer(
      () => ({ status: 401, body: { error: 'bad token' } }),
      async (base) => {
        await assert.rejects(
          runFeed({ rate: 10, count: 5, target: base, token: 'wrong' }),
          (err: unknown) => {
            assert.ok(err instanceof FeedRejectedError);
            assert.equal(err.status, 401);
            return true;
          },
        );
      },
    );
  });

  it('paces to the rate for a duration and stops cleanly when aborted', async () => {
    await withServer(
      (_i, records) => accepted(records),
      async (base, received) => {
        const result = await runFeed({
          seed: 4,
          rate: 40,
          durationSeconds: 0.5,
          batchSize: 5,
          target: base,
        });
        assert.equal(result.sent, 20, 'rate x duration records');
        assert.equal(new Set(received.flatMap((r) => r.ids)).size, 20);
        const controller = new AbortController();
        const progress: number[] = [];
        const feed = runFeed({
          rate: 200,
          target: base,
          batchSize: 10,
          signal: controller.signal,
          onProgress: (sent) => progress.push(sent),
        });
        setTimeout(() => controller.abort(), 300);
        const stopped = await feed;
        assert.ok(stopped.sent > 0 && stopped.failed === 0, JSON.stringify(stopped));
        assert.equal(progress.at(-1), stopped.sent);
      },
    );
  });

  it('runs as a Service that stops on request', async () => {
    await withServer(
      (_i, records) => accepted(records),
      async (base, received) => {
        const service = startFeed({ rate: 100, target: base, batchSize: 5, seed: 9 });
        assert.equal(service.name, 'feed');
        await new Promise((r) => setTimeout(r, 300));
        await service.stop();
        const result = await service.done;
        const ids = received.flatMap((r) => r.ids);
        assert.equal(result.sent, ids.length);
        assert.ok(ids.length > 0);
        const settled = received.length;
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(received.length, settled, 'nothing is posted after stop()');
      },
    );
  });
});

describe('the feed on a thread of its own', () => {
  it('posts the same records as in process, for the same seed and start', async () => {
    const opts = { seed: 5, rate: 1, count: 40, batchSize: 10, start: new Date('2026-01-05') };
    await withServer(
      (_i, records) => accepted(records),
      async (base, received) => {
        const inProcess = await runFeed({ ...opts, target: base });
        const ids = received.splice(0).flatMap((r) => r.ids);
        const onThread = await runFeedOnThread({ ...opts, target: base });
        assert.deepEqual(onThread, inProcess);
        assert.deepEqual(received.flatMap((r) => r.ids).sort(), ids.sort());
        assert.equal(ids.length, 40);
      },
    );
  });

  it('runs at the lowest priority on Linux, leaving this thread’s as it was', {
    skip: process.platform === 'linux' ? false : 'per-thread niceness is read from Linux /proc',
  }, async (t) => {
    const before = threadNiceness(process.pid);
    if (before === undefined || before >= 19) {
      t.skip(`this thread is already at niceness ${before}: the feed's cannot be told apart`);
      return;
    }
    // a feed thread of an earlier test may still be exiting: only new threads count
    const earlier = new Set(threadsAtNiceness(19));
    const lowest: number[] = [];
    await withServer(
      (_i, records) => {
        // while the feed waits for this answer, its thread is one of this process's tasks
        lowest.push(threadsAtNiceness(19).filter((tid) => !earlier.has(tid)).length);
        return accepted(records);
      },
      async (base) => {
        await runFeedOnThread({ rate: 10, count: 5, batchSize: 5, target: base });
      },
    );
    assert.deepEqual(lowest, [1], 'one thread (the feed’s) at niceness 19 while it posts');
    assert.equal(threadNiceness(process.pid), before, 'the calling thread keeps its priority');
  });

  it('fails with FeedRejectedError when ingest refuses the token', async () => {
    await withServer(
      () => ({ status: 401, body: { error: 'bad token' } }),
      async (base) => {
        await assert.rejects(
          runFeedOnThread({ rate: 10, count: 5, target: base, token: 'wrong' }),
          (err: unknown) => {
            assert.ok(err instanceof FeedRejectedError, String(err));
            assert.equal(err.status, 401);
            return true;
          },
        );
      },
    );
  });

  it('runs as a Service that stops on request and reports its progress to this thread', async () => {
    await withServer(
      (_i, records) => accepted(records),
      async (base, received) => {
        const lines: string[] = [];
        const progress: number[] = [];
        let posting!: () => void;
        const posted = new Promise<void>((r) => {
          posting = r;
        });
        const service = startFeed({
          rate: 100,
          target: base,
          batchSize: 5,
          seed: 9,
          thread: true,
          onProgress: (sent) => {
            progress.push(sent);
            if (sent >= 20) posting();
          },
          logger: {
            ...silentLogger,
            info: (msg) => lines.push(msg),
            child: function () {
              return this;
            },
          },
        });
        await posted;
        await service.stop();
        const result = await service.done;
        const ids = received.flatMap((r) => r.ids);
        assert.equal(result.sent, ids.length);
        assert.ok(ids.length > 0);
        assert.equal(progress.at(-1), result.sent);
        assert.ok(lines.includes('feed stopped'), lines.join(' | '));
        const settled = received.length;
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(received.length, settled, 'nothing is posted after stop()');
      },
    );
  });
});

describe('runFeed to a file', () => {
  it('writes exactly count valid NDJSON records, identical for the same seed and start', async () => {
    const start = new Date('2025-02-01T00:00:00Z');
    const a = path.join(dir, 'a.ndjson');
    const b = path.join(dir, 'b.ndjson');
    assert.deepEqual(await runFeed({ seed: 5, rate: 10, count: 500, out: a, start }), {
      sent: 500,
      accepted: 500,
      failed: 0,
    });
    await runFeed({ seed: 5, rate: 10, count: 500, out: b, start, batchSize: 7 });
    const text = fs.readFileSync(a, 'utf8');
    assert.equal(text, fs.readFileSync(b, 'utf8'));
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 500);
    for (const line of lines) assert.ok(validateRecord(JSON.parse(line)).ok);
  });

  it('reports an unwritable file', async () => {
    await assert.rejects(
      runFeed({ rate: 10, count: 5, out: path.join(dir, 'missing', 'x.ndjson') }),
      /cannot write .*missing/,
    );
  });
});

describe('startFeed, its first line', () => {
  /** The fields of the 'feed started' line of a feed to a file. */
  const started = async (opts: Omit<StartFeedOptions, 'logger'>) => {
    let fields: Record<string, unknown> | undefined;
    const logger: Logger = {
      ...silentLogger,
      info: (msg, f) => {
        if (msg === 'feed started') fields = f;
      },
      child: () => logger,
    };
    const service = startFeed({ ...opts, logger });
    await service.stop();
    return fields;
  };

  it('a paced feed gives its rate; a counted one its count and simulated clock, not a rate', async () => {
    const out = path.join(dir, 'started.ndjson');
    assert.deepEqual(await started({ rate: 50, out, durationSeconds: 1 }), { rate: 50, to: out });
    // what up --demo's history logged: "rate=0.01240079365079365" for 30,000 posted in a minute
    const start = new Date('2026-11-09T12:00:00Z');
    assert.deepEqual(await started({ rate: 30_000 / (28 * 86_400), count: 30_000, start, out }), {
      count: 30_000,
      pace: 'as fast as the target takes them',
      shoppedFrom: '2026-11-09T12:00:00.000Z',
      to: out,
    });
  });

  it('a paced feed logs its progress once a minute, a counted one every 10 s', () => {
    // up --demo's live feed logged `feed progress` every 10 s for as long as it ran
    assert.equal(progressLogIntervalMs({}), PACED_PROGRESS_LOG_INTERVAL_MS);
    assert.equal(PACED_PROGRESS_LOG_INTERVAL_MS, 60_000);
    assert.equal(progressLogIntervalMs({ count: 30_000 }), PROGRESS_LOG_INTERVAL_MS);
    assert.equal(PROGRESS_LOG_INTERVAL_MS, 10_000);
  });
});

describe('feed options', () => {
  it('rejects bad options naming the option', async () => {
    await assert.rejects(runFeed({ rate: -1, count: 1 }), GeneratorOptionError);
    await assert.rejects(runFeed({ rate: 1, count: 1, target: 'http://x', out: 'y' }), /target/);
    await assert.rejects(runFeed({ rate: 1, count: 0 }), /count/);
    await assert.rejects(runFeed({ rate: 1, target: 'ftp://x' }), /target/);
    assert.throws(() => startFeed({ rate: 0 }), /rate/);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:03 GMT', now), 3000);
    assert.equal(parseRetryAfter('100000'), 60_000);
  });
});
