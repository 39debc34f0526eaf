/**
 * Child process of the lake crash test: runs a lake writer on the embedded `shopping` and
 * `ingest-stats` streams under `<streamDir>`, writing to `<dataDir>/lake`. Prints READY once
 * the writer runs. With `--finish` it exits (printing DONE) once both streams are fully
 * committed; otherwise it runs until killed.
 */

import { silentLogger } from '../../ops/logger.js';
import { LAKE_GROUP } from '../lake-writer.js';
import { startLocalLakeWriter } from './start-local-lake-writer.js';
import { openTestStream } from './test-stream.js';
import { writerConfig } from './writer-config.js';

const [dataDir, streamDir, mode] = process.argv.slice(2);
if (!dataDir || !streamDir)
  throw new Error('usage: lake-writer-child <dataDir> <streamDir> [--finish]');

const open = (name: string, shards: number) => openTestStream(streamDir, name, { shards });
const stream = await open('shopping', 2);
const stats = await open('ingest-stats', 1);
const config = writerConfig(dataDir, { rotateSeconds: 60, batch: { count: 50, periodMs: 20 } });
const start = () =>
  startLocalLakeWriter({ stream, sideStreams: { stats }, config, logger: silentLogger });
let writer = await start();
process.stdout.write('READY\n');
if (mode === '--finish') {
  // The last record-time window closes only on the idle flush (rotateSeconds of wall
  // time); instead, once the writer has stopped reading, stop it (flush + commit) and
  // check that nothing is left.
  const lagging = async () =>
    [...(await stream.lag(LAKE_GROUP)), ...(await stats.lag(LAKE_GROUP))].some(
      (l) => l.records > 0,
    );
  for (;;) {
    let last = -1;
    while (writer.stats().read !== last) {
      last = writer.stats().read;
      await new Promise((r) => setTimeout(r, 300));
    }
    await writer.stop();
    if (!(await lagging())) break;
    writer = await start();
  }
  await stream.close();
  await stats.close();
  process.stdout.write('DONE\n');
} else {
  setInterval(() => undefined, 1 << 30);
}
