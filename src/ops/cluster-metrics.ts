/**
 * Metrics across node:cluster workers. The workers share the port, so whichever worker
 * answers `/metrics` asks the primary, which collects every worker's
 * `getMetricsAsJSON()` over IPC and merges them with `AggregatorRegistry.aggregate`
 * (counters and histograms summed per label set). The primary serves no HTTP itself.
 */
import cluster, { type Worker } from 'node:cluster';
import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';

const REQUEST = 'faresight:metrics:request';
const COLLECT = 'faresight:metrics:collect';
const JSON_REPLY = 'faresight:metrics:json';
const ANSWER = 'faresight:metrics:answer';
/** A worker that does not answer (dying, busy) is left out rather than failing /metrics. */
const COLLECT_TIMEOUT_MS = 5_000;

type Message = { type?: string; id?: number; metrics?: unknown; text?: string; error?: string };
type Json = MetricObjectWithValues<MetricValue<string>>[];

/** In the primary: answers workers' requests for the aggregate of all workers' metrics. */
export function servePrimaryMetrics(): void {
  let next = 0;
  const pending = new Map<number, (metrics: Json) => void>();
  cluster.on('message', (worker: Worker, msg: Message) => {
    if (msg?.type === JSON_REPLY && typeof msg.id === 'number') {
      pending.get(msg.id)?.(msg.metrics as Json);
      return;
    }
    if (msg?.type !== REQUEST) return;
    const workers = Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => !!w?.isConnected(),
    );
    const collect = workers.map(
      (w) =>
        new Promise<Json | undefined>((resolve) => {
          const id = next++;
          const timer = setTimeout(() => {
            pending.delete(id);
            resolve(undefined);
          }, COLLECT_TIMEOUT_MS);
          pending.set(id, (metrics) => {
            clearTimeout(timer);
            pending.delete(id);
            resolve(metrics);
          });
          w.send({ type: COLLECT, id }, (err: Error | null) => {
            if (err) pending.get(id)?.(undefined as unknown as Json);
          });
        }),
    );
    Promise.all(collect)
      .then((all) => AggregatorRegistry.aggregate(all.filter((m): m is Json => !!m)).metrics())
      .then(
        (text) => worker.isConnected() && worker.send({ type: ANSWER, id: msg.id, text }),
        (err: Error) =>
          worker.isConnected() && worker.send({ type: ANSWER, id: msg.id, error: err.message }),
      );
  });
}

/** How long a worker waits for the primary's aggregate before /metrics fails. */
export const ANSWER_TIMEOUT_MS = 2 * COLLECT_TIMEOUT_MS;

/**
 * In a worker: lets the primary collect this registry; returns the cluster-wide text.
 * A registry that fails to collect answers the primary with nothing (the primary leaves
 * this worker out, as it does one that does not answer) rather than leaving a rejection
 * unhandled. The returned function rejects when the primary has not answered within
 * `answerTimeoutMs` (default ANSWER_TIMEOUT_MS: the primary's own wait for its workers,
 * twice over).
 */
export function clusterMetrics(
  registry: Registry,
  options: { answerTimeoutMs?: number } = {},
): () => Promise<string> {
  const answerTimeoutMs = options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
  let next = 0;
  const waiting = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  process.on('message', (msg: Message) => {
    if (msg?.type === COLLECT) {
      registry.getMetricsAsJSON().then(
        (metrics) => process.send?.({ type: JSON_REPLY, id: msg.id, metrics }),
        () => process.send?.({ type: JSON_REPLY, id: msg.id, metrics: undefined }),
      );
    } else if (msg?.type === ANSWER && typeof msg.id === 'number') {
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error !== undefined)
        w?.reject(new Error(`metrics aggregation in the primary failed: ${msg.error}`));
      else w?.resolve(msg.text ?? '');
    }
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(
          new Error(
            `metrics aggregation: the primary process did not answer within ${answerTimeoutMs} ms`,
          ),
        );
      }, answerTimeoutMs);
      // the IPC channel already keeps a worker alive; the timer must not keep it alive on its own
      timer.unref();
      waiting.set(id, {
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      process.send?.({ type: REQUEST, id });
    });
}
