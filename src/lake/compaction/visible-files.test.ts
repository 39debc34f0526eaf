/**
 * Files of one shard written under different lease epochs (two owners of the shard
 * across a hand-off): where they overlap, the higher epoch wins, so a reader sees each
 * row once even when a paused former owner published after losing the shard.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileName, parseFileName } from '../lake-layout.js';
import { LocalObjectStore } from '../object-store/local/local-object-store.js';
import { unstoredGroups } from '../unstored-groups.js';
import { writeManifest } from './partition-manifest.js';
import { listPartitions } from './visible-files.js';

const root = mkdtempSync(join(tmpdir(), 'fs-visible-'));
after(() => rmSync(root, { recursive: true, force: true }));
const P = 'searches/vendor=kiwi/dt=2026-11-26/hour=04/';

async function storeWith(dir: string, names: string[]): Promise<LocalObjectStore> {
  const store = new LocalObjectStore(join(root, dir));
  for (const n of names) await store.put(P + n, new Uint8Array([1]));
  return store;
}

async function visibleNames(store: LocalObjectStore): Promise<string[]> {
  const [part] = await listPartitions(store, P);
  return part!.visible.map((o) => o.key.slice(P.length)).sort();
}

it('names a leased file with its epoch and parses it back', () => {
  const r = { shard: 2, first: 10, last: 20, epoch: 7 };
  assert.equal(fileName(r), '2-10-20-e7.parquet');
  assert.deepEqual(parseFileName(`${P}2-10-20-e7.parquet`), r);
  assert.deepEqual(parseFileName('2-10-20.parquet'), { shard: 2, first: 10, last: 20 });
});

it('of two overlapping files of one shard, the higher epoch is visible and the other obsolete', async () => {
  const store = await storeWith('overlap', [
    '0-1-100-e1.parquet', // published late by a paused former owner
    '0-1-150-e2.parquet', // the new owner's
    '0-151-160-e2.parquet',
    '1-1-100-e1.parquet', // another shard: untouched
    '0-161-170-e3.parquet', // next owner, no overlap
  ]);
  assert.deepEqual(await visibleNames(store), [
    '0-1-150-e2.parquet',
    '0-151-160-e2.parquet',
    '0-161-170-e3.parquet',
    '1-1-100-e1.parquet',
  ]);
  const [part] = await listPartitions(store, P);
  assert.deepEqual(
    part!.obsolete.map((o) => o.key.slice(P.length)),
    ['0-1-100-e1.parquet'],
  );
});

it('files without an epoch keep their old rules', async () => {
  const store = await storeWith('plain', ['0-1-10.parquet', '0-11-20.parquet']);
  assert.deepEqual(await visibleNames(store), ['0-1-10.parquet', '0-11-20.parquet']);
});

it('a leased file partly inside a compacted range is obsolete', async () => {
  const store = await storeWith('compacted', ['0-90-200-e1.parquet', '0-201-220-e2.parquet']);
  await store.put(`${P}c-abc.parquet`, new Uint8Array([1]));
  await writeManifest(
    store,
    P,
    [{ name: 'c-abc.parquet', ranges: [{ shard: 0, first: 1, last: 150 }], rows: 1, bytes: 1 }],
    Date.now(),
  );
  assert.deepEqual(await visibleNames(store), ['0-201-220-e2.parquet', 'c-abc.parquet']);
});

it('a writer relies only on the files it is told to: the others are written again', async () => {
  const store = await storeWith('rely', ['0-1-5-e1.parquet', '0-6-9-e1.parquet']);
  const inputs = Array.from({ length: 12 }, (_, i) => ({ shard: 0, seq: i + 1 }));
  const file = { partition: { vendor: 'kiwi', dt: '2026-11-26', hour: '04' }, shard: 0, inputs };
  const all = await unstoredGroups(store, ['searches'], file as never);
  assert.deepEqual(
    all.map((g) => g.inputs.map((i) => i.seq)),
    [[10, 11, 12]],
  );
  // epoch 2 took the shard over at seq 6: it relies on 1-5 (before), not on 6-9
  const rely = await unstoredGroups(store, ['searches'], file as never, (r) => r.first < 6);
  assert.deepEqual(
    rely.map((g) => g.inputs.map((i) => i.seq)),
    [[6, 7, 8, 9, 10, 11, 12]],
  );
});
