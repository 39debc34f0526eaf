/**
 * Entry of a forecast thread (forecast-pool.ts): fits each request it is sent, one at a
 * time, and answers `{ id, ok, value }` or `{ id, ok: false, error }`; `{ id: 0, ok: true }`
 * says it is ready. Runs at the niceness the pool asks (ForecastPoolOptions.niceness).
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { WorkerReply } from '../../ops/restarting-worker.js';
import { setThisThreadNiceness } from '../../ops/thread-priority.js';
import { fitSeries } from './fit-series.js';
import type { ForecastThreadData, ForecastThreadRequest } from './forecast-pool.js';

// background work: the serving event loop of this process goes first on a busy core
const { niceness } = workerData as ForecastThreadData;
if (niceness !== 0) setThisThreadNiceness(niceness);

const port = parentPort!;
const reply = (m: WorkerReply, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
port.on('message', (m: ForecastThreadRequest) => {
  try {
    const value = fitSeries(m, threadId);
    const f = value.forecast;
    reply({ id: m.id, ok: true, value }, [
      f.mean.buffer,
      f.lower80.buffer,
      f.upper80.buffer,
      f.lower95.buffer,
      f.upper95.buffer,
    ] as ArrayBuffer[]);
  } catch (err) {
    reply({ id: m.id, ok: false, error: (err as Error).message });
  }
});
reply({ id: 0, ok: true });
