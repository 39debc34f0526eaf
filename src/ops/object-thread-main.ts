/**
 * Entry of an object thread (object-thread.ts): makes the object with the factory named in
 * workerData, answers `{ id: 0 }` once it is made (or why it could not be), then calls the
 * method each request names and answers with what it resolved to or the error's message.
 * Requests run as they come; the object decides what may overlap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerReply } from './restarting-worker.js';

/** What the thread is told at start: see ObjectThreadOptions. */
export interface ObjectThreadData {
  module: string;
  factory: string;
  args: unknown[];
}

/** A call of `method` with `args` on the thread's object. */
export interface ObjectThreadRequest {
  id: number;
  method: string;
  args: unknown[];
}

type Target = Record<string, (...args: unknown[]) => unknown>;

const port = parentPort!;
const reply = (m: WorkerReply) => port.postMessage(m);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function make(data: ObjectThreadData): Promise<Target> {
  const mod = (await import(data.module)) as Record<string, unknown>;
  const [owner, name] = data.factory.includes('.')
    ? data.factory.split('.', 2)
    : [undefined, data.factory];
  const holder = (owner === undefined ? mod : mod[owner]) as Record<string, unknown> | undefined;
  const factory = holder?.[name!];
  if (typeof factory !== 'function')
    throw new Error(`${data.module} has no function ${data.factory}`);
  return (await factory.apply(holder, data.args)) as Target;
}

const made = make(workerData as ObjectThreadData);
port.on('message', async (m: ObjectThreadRequest) => {
  try {
    const target = await made;
    const fn = target[m.method];
    if (typeof fn !== 'function') throw new Error(`the thread's object has no method ${m.method}`);
    reply({ id: m.id, ok: true, value: await fn.apply(target, m.args) });
  } catch (err) {
    reply({ id: m.id, ok: false, error: message(err) });
  }
});
made.then(
  () => reply({ id: 0, ok: true }),
  (err) => reply({ id: 0, ok: false, error: message(err) }),
);
