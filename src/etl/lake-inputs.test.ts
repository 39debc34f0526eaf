/**
 * A pond reads each row of the lake once: during a compaction's grace period (merged file
 * in, sources not yet deleted) and after a crash that left the sources, the inputs of a
 * run are the files readers see, not every `.parquet` of the partition.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { writeManifest } from '../lake/compaction/partition-manifest.js';
import { LocalObjectStore } from '../lake/object-store/local/local-object-store.js';
import { listInputPartitions } from './lake-inputs.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-lake-inputs-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('a compacted partition lists its merged file, not the sources it covers', async () => {
  const prefix = 'offers/vendor=generic/dt=2026-11-20/hour=05/';
  const dir = path.join(root, prefix);
  fs.mkdirSync(dir, { recursive: true });
  for (const name of [
    '0-1-4.parquet',
    '1-1-3.parquet',
    '0-5-6.parquet',
    'c-0123456789abcdef.parquet',
  ])
    fs.writeFileSync(path.join(dir, name), 'parquet bytes');
  const store = new LocalObjectStore(root);
  await writeManifest(
    store,
    prefix,
    [
      {
        name: 'c-0123456789abcdef.parquet',
        ranges: [
          { shard: 0, first: 1, last: 4 },
          { shard: 1, first: 1, last: 3 },
        ],
        rows: 7,
        bytes: 13,
      },
    ],
    Date.now(),
  );
  const [part, ...more] = await listInputPartitions(root, 'offers');
  assert.equal(more.length, 0);
  assert.deepEqual(
    part!.files.map((f) => path.basename(f)),
    ['0-5-6.parquet', 'c-0123456789abcdef.parquet'],
    'the sources of the merged file are left out (their rows are in it)',
  );
  assert.equal(part!.key, 'offers/vendor=generic/dt=2026-11-20/hour=05');
  assert.equal(part!.dt, '2026-11-20');
});
