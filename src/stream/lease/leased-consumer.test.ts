import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { openEmbeddedLeaseStore } from '../embedded/embedded-lease-sql.js';
import { EmbeddedStream } from '../embedded/embedded-stream.js';
import type { Batch } from '../stream.js';
import { makeRecords } from '../testing/stream-fixtures.js';
import { FencedError } from './lease-store.js';
import { LeasedConsumer } from './leased-consumer.js';
import { pump, waitFor } from './testing/pump.js';

const CHILD = join(import.meta.dirname, '..', 'testing', 'lease-member-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'fs-lease-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const POLICY = { count: 50, bytes: 1 << 20, periodMs: 20 };
const KEYS = Array.from({ length: 40 }, (_, i) => `k${i}`);

async function openStream(name: string, shards = 4): Promise<EmbeddedStream> {
  const s = new EmbeddedStream({
    dir,
    name,
    shards,
    retentionMs: 86_400_000,
    dedupeWindowMs: 0,
    trimIntervalMs: 0,
    writerThread: false,
  });
  await s.connect();
  return s;
}

/** A member `owner` of group `g` on `s`, its leases in the embedded store of stream `name`. */
function member(
  s: EmbeddedStream,
  name: string,
  owner: string,
  ttlMs: number,
  renewMs = 30,
): Promise<LeasedConsumer> {
  return LeasedConsumer.open(s, 'g', POLICY, {
    store: openEmbeddedLeaseStore(dir, name),
    owner,
    ttlMs,
    renewMs,
  });
}

interface Member {
  proc: ChildProcess;
  held: number[];
  committed: string[];
  lines: Record<string, unknown>[];
}

function spawnMember(name: string, owner: string, ttlMs: number, mode: 'run' | 'hold'): Member {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, dir, name, '4', 'g', owner, String(ttlMs), mode],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const m: Member = { proc, held: [], committed: [], lines: [] };
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const o = JSON.parse(line) as Record<string, unknown>;
    m.lines.push(o);
    if (Array.isArray(o.held)) m.held = o.held as number[];
    if (Array.isArray(o.committed)) m.committed.push(...(o.committed as string[]));
  });
  after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return m;
}

const exited = (p: ChildProcess) =>
  p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => p.once('exit', () => r()));

describe('shard leases on the embedded stream', () => {
  it('two members split the shards evenly and together commit every record once', async () => {
    const sa = await openStream('split', 5);
    const sb = await openStream('split', 5);
    const a = await member(sa, 'split', 'a', 5_000);
    const b = await member(sb, 'split', 'b', 5_000);
    const pa = pump(a);
    const pb = pump(b);
    await waitFor(
      () => a.shards().length + b.shards().length === 5 && b.shards().length === 2,
      'a 3/2 split',
    );
    assert.deepEqual([...a.shards(), ...b.shards()].sort(), [0, 1, 2, 3, 4]);
    assert.equal(a.shards().length, 3);
    const recs = makeRecords(300, { prefix: 'r', keys: KEYS });
    await sa.append(recs);
    await waitFor(() => pa.committed.length + pb.committed.length >= 300, 'every record');
    await pa.stop();
    await pb.stop();
    const all = [...pa.committed, ...pb.committed].sort();
    assert.deepEqual(all, recs.map((r) => r.id).sort(), 'each record committed exactly once');
    assert.ok(pa.committed.length > 0 && pb.committed.length > 0, 'both members did work');
    await a.close();
    await b.close();
    const leases = await openEmbeddedLeaseStore(dir, 'split').leases('split', 'g');
    assert.deepEqual(
      leases.map((l) => l.owner),
      [undefined, undefined, undefined, undefined, undefined],
      'closing released every lease',
    );
    await sa.close();
    await sb.close();
  });

  it('a graceful stop hands the shards off at once, long before the lease expires', async () => {
    const sa = await openStream('handoff');
    const sb = await openStream('handoff');
    const a = await member(sa, 'handoff', 'a', 600_000);
    await a.read();
    assert.deepEqual(a.shards(), [0, 1, 2, 3]);
    const b = await member(sb, 'handoff', 'b', 600_000);
    const pa = pump(a);
    const pb = pump(b);
    await waitFor(() => b.shards().length === 2, 'b taking its share from a');
    await pa.stop();
    await a.close();
    await waitFor(() => b.shards().length === 4, 'b taking every shard after a left');
    await pb.stop();
    await b.close();
    await sa.close();
    await sb.close();
  });

  it('the embedded commit checks the fencing token in its own transaction', async () => {
    const s = await openStream('fence');
    const store = openEmbeddedLeaseStore(dir, 'fence');
    await store.init('fence', 'g', 4);
    const lease = await store.acquire('fence', 'g', 0, 'owner-1', 60_000, Date.now());
    assert.ok(lease);
    await s.append(makeRecords(10, { prefix: 'f', keys: KEYS }));
    const stale = await s.consumer('g', POLICY, {
      shards: [0],
      fence: { owner: 'owner-1', epochs: new Map([[0, lease.epoch - 1]]) },
    });
    let batch: Batch;
    do batch = await stale.read();
    while (batch.records.length === 0);
    assert.ok(
      batch.records.every((r) => r.shard === 0),
      'reads only its shard',
    );
    await assert.rejects(stale.commit(batch), FencedError);
    assert.equal(s.checkpoint('g', 0), 0, 'a fenced commit moves nothing');
    const current = await s.consumer('g', POLICY, {
      shards: [0],
      fence: { owner: 'owner-1', epochs: new Map([[0, lease.epoch]]) },
    });
    const again = await current.read();
    await current.commit(again);
    assert.equal(s.checkpoint('g', 0), again.lastSeq.get(0));
    await store.close();
    await s.close();
  });
});

describe('shard leases across processes', () => {
  it('a SIGKILLed member’s shards move to the survivor within the lease time, nothing lost', async () => {
    const ttlMs = 1_500;
    const s = await openStream('kill');
    const child = spawnMember('kill', 'child', ttlMs, 'run');
    await waitFor(() => child.held.length === 4, 'the child holding every shard');
    const me = await member(s, 'kill', 'parent', ttlMs, ttlMs / 5);
    const p = pump(me);
    await waitFor(() => me.shards().length === 2 && child.held.length === 2, 'a 2/2 split');
    const recs = makeRecords(400, { prefix: 'k', keys: KEYS });
    await s.append(recs.slice(0, 200));
    await waitFor(
      () => new Set([...child.committed, ...p.committed]).size >= 200,
      'the first half committed',
    );
    child.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await exited(child.proc);
    await s.append(recs.slice(200));
    await waitFor(() => me.shards().length === 4, 'the survivor taking every shard');
    const movedMs = Date.now() - killedAt;
    console.log(`shards moved ${(movedMs / 1000).toFixed(2)} s after SIGKILL (lease ${ttlMs} ms)`);
    await waitFor(() => new Set([...child.committed, ...p.committed]).size >= 400, 'every record');
    await p.stop();
    assert.deepEqual(
      [...new Set([...child.committed, ...p.committed])].sort(),
      recs.map((r) => r.id).sort(),
    );
    assert.ok(
      (await s.lag('g')).every((l) => l.records === 0),
      'every shard committed to its end',
    );
    await me.close();
    await s.close();
  });

  it('a paused owner resumed after its lease expired cannot commit', async () => {
    const ttlMs = 800;
    const s = await openStream('pause');
    const child = spawnMember('pause', 'paused', ttlMs, 'hold');
    await s.append(makeRecords(40, { prefix: 'p', keys: KEYS }));
    await waitFor(() => child.lines.some((l) => 'read' in l), 'the child reading a batch');
    const first = child.lines.find((l) => 'read' in l)!;
    const readByChild = first.read as string[];
    assert.deepEqual(first.held, [0, 1, 2, 3], 'the child alone holds every shard');
    child.proc.kill('SIGSTOP');
    const me = await member(s, 'pause', 'taker', ttlMs, ttlMs / 5);
    const p = pump(me);
    await waitFor(() => me.shards().length === 4, 'the taker holding every shard');
    await waitFor(() => p.committed.length >= 40, 'the taker committing every record');
    child.proc.kill('SIGCONT');
    child.proc.stdin!.write('commit\n');
    await exited(child.proc);
    const answer = child.lines.find((l) => 'commit' in l);
    assert.equal(answer?.commit, 'fenced', `the paused owner's commit: ${JSON.stringify(answer)}`);
    for (const id of readByChild)
      assert.ok(p.committed.includes(id), `${id}, read by the paused owner, went to the taker`);
    await p.stop();
    assert.ok((await s.lag('g')).every((l) => l.records === 0));
    await me.close();
    await s.close();
  });
});
