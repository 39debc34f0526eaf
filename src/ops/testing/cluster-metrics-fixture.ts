/**
 * A real node:cluster run of cluster-metrics for its tests, started as
 * `node --import tsx cluster-metrics-fixture.ts <mode>`; prints one JSON line per event on
 * stdout and exits 0 when the run completed. Modes:
 *
 * - `failing-worker`: the primary serves metrics for two workers, the second of which has a
 *   registry whose `getMetricsAsJSON()` rejects. Worker 1 asks for the cluster's metrics and
 *   prints them; then the primary checks worker 2 still answers (it would have died of an
 *   unhandled rejection) and prints `{ event: 'alive', worker: 2 }`.
 * - `silent-primary`: the primary never answers; the worker's request must reject after its
 *   timeout, and the worker prints the error.
 */
import cluster from 'node:cluster';
import { Counter, Registry } from 'prom-client';
import { clusterMetrics, servePrimaryMetrics } from '../cluster-metrics.js';

const mode = process.argv[2];
const print = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

if (cluster.isPrimary) {
  if (mode === 'failing-worker') {
    servePrimaryMetrics();
    const w1 = cluster.fork({ FIXTURE_ROLE: 'asker' });
    const w2 = cluster.fork({ FIXTURE_ROLE: 'failing' });
    let ready = 0;
    const onReady = () => {
      if (++ready === 2) w1.send({ fixture: 'go' });
    };
    for (const w of [w1, w2])
      w.on('message', (m: { fixture?: string; text?: string; error?: string }) => {
        if (m.fixture === 'ready') onReady();
        else if (m.fixture === 'result') {
          print({ event: 'result', text: m.text, error: m.error });
          w2.send({ fixture: 'ping' });
        } else if (m.fixture === 'pong') {
          print({ event: 'alive', worker: 2 });
          for (const x of [w1, w2]) x.kill();
        }
      });
    let exited = 0;
    cluster.on('exit', (w, code, signal) => {
      print({ event: 'exit', worker: w.id, code, signal });
      if (++exited === 2) process.exit(0);
    });
  } else if (mode === 'silent-primary') {
    const w = cluster.fork({ FIXTURE_ROLE: 'asker' });
    w.on('message', (m: { fixture?: string; text?: string; error?: string }) => {
      if (m.fixture === 'ready') w.send({ fixture: 'go' });
      else if (m.fixture === 'result') {
        print({ event: 'result', text: m.text, error: m.error });
        w.kill();
      }
    });
    cluster.on('exit', () => process.exit(0));
  } else {
    process.stderr.write(`unknown mode ${mode}\n`);
    process.exit(2);
  }
} else {
  process.on('unhandledRejection', (err) => {
    print({ event: 'unhandled-rejection', worker: cluster.worker?.id, error: String(err) });
    process.exit(1);
  });
  const registry = new Registry();
  new Counter({ name: 'fixture_total', help: 'fixture', registers: [registry] }).inc(
    cluster.worker?.id ?? 0,
  );
  if (process.env.FIXTURE_ROLE === 'failing')
    registry.getMetricsAsJSON = () => Promise.reject(new Error('registry broke'));
  const metrics = clusterMetrics(registry, { answerTimeoutMs: 500 });
  process.on('message', (m: { fixture?: string }) => {
    if (m?.fixture === 'go')
      metrics().then(
        (text) => process.send?.({ fixture: 'result', text }),
        (err: Error) => process.send?.({ fixture: 'result', error: err.message }),
      );
    else if (m?.fixture === 'ping') process.send?.({ fixture: 'pong' });
  });
  process.send?.({ fixture: 'ready' });
}
