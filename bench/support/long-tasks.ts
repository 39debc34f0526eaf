/**
 * `node --import tsx bench/support/long-tasks.ts FILE.cpuprofile [minMs=20]`: what kept a
 * thread's event loop busy, from a V8 CPU profile (`node --cpu-prof`, or
 * `npm run bench -- footprint --profile DIR`). A task here is a run of samples with no
 * `(idle)` sample between them: on a saturated loop, several macrotasks back to back, which
 * is what a request arriving meanwhile waits behind. Prints the busy share, how many tasks
 * reached 5 to 500 ms, the functions with the most time inside tasks of at least `minMs`
 * (inclusive, and self), and the longest tasks with their heaviest frames.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface Task {
  /** µs since the profile's start. */
  start: number;
  /** µs. */
  duration: number;
  /** µs per frame on the stack (each frame counted once per sample). */
  inclusive: Map<string, number>;
  /** µs per frame at the top of the stack. */
  self: Map<string, number>;
}

const frameName = (n: ProfileNode): string => {
  const f = n.callFrame;
  const url = f.url.replace(/^.*\/(src|dist|node_modules)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${url}:${f.lineNumber + 1}`;
};
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

/** The profile's tasks, in order. */
export function tasksOf(p: Profile): Task[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const tasks: Task[] = [];
  let t = 0;
  let current: Task | undefined;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const node = byId.get(p.samples[i]!)!;
    if (node.callFrame.functionName === '(idle)') {
      if (current) tasks.push(current);
      current = undefined;
      continue;
    }
    // a sample stands for the time until the next one
    const dt = p.timeDeltas[i + 1] ?? 0;
    current ??= { start: t, duration: 0, inclusive: new Map(), self: new Map() };
    current.duration += dt;
    add(current.self, frameName(node), dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const name = frameName(byId.get(id)!);
      if (seen.has(name)) continue;
      seen.add(name);
      add(current.inclusive, name, dt);
    }
  }
  if (current) tasks.push(current);
  return tasks;
}

const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
/** Frames every stack has: the root and Node's task queues. */
const PLUMBING =
  /^\((root|program)\)|^processTicksAndRejections|^runMicrotasks|^processTimers|^listOnTimeout|^processImmediate|^runNextTicks/;

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node --import tsx bench/support/long-tasks.ts FILE.cpuprofile [minMs]');
    process.exit(2);
  }
  const minUs = Number(process.argv[3] ?? 20) * 1000;
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const tasks = tasksOf(p);
  const long = tasks.filter((x) => x.duration >= minUs).sort((a, b) => b.duration - a.duration);
  const sum = (xs: Task[]) => xs.reduce((s, x) => s + x.duration, 0);
  console.log(
    `${((p.endTime - p.startTime) / 1e6).toFixed(1)} s profiled, ${(sum(tasks) / 1e6).toFixed(1)} s busy in ${tasks.length} tasks; ` +
      `${long.length} tasks of at least ${minUs / 1000} ms, ${(sum(long) / 1e6).toFixed(1)} s`,
  );
  console.log(
    'tasks of at least',
    [5, 10, 20, 50, 100, 200, 500]
      .map((m) => `${m} ms: ${tasks.filter((x) => x.duration >= m * 1000).length}`)
      .join(', '),
  );
  const inclusive = new Map<string, number>();
  const self = new Map<string, number>();
  for (const x of long) {
    for (const [k, v] of x.inclusive) add(inclusive, k, v);
    for (const [k, v] of x.self) add(self, k, v);
  }
  console.log(`\ninclusive time in those tasks:`);
  for (const [k, v] of top(inclusive, 40)) if (!PLUMBING.test(k)) console.log(`${ms(v)}  ${k}`);
  console.log(`\nself time in those tasks:`);
  for (const [k, v] of top(self, 25)) console.log(`${ms(v)}  ${k}`);
  console.log('\nthe longest:');
  for (const x of long.slice(0, 10)) {
    console.log(`${ms(x.duration)} at ${(x.start / 1e6).toFixed(1)} s`);
    const frames = [...x.inclusive].filter(([k]) => !PLUMBING.test(k));
    for (const [k, v] of top(new Map(frames), 8)) console.log(`    ${ms(v)}  ${k}`);
  }
}
