import { readdirSync, readFileSync } from 'node:fs';

/** Time a thread spent on a core and runnable but waiting for one, ns (Linux schedstat). */
export interface ThreadTime {
  readonly name: string;
  readonly runNs: number;
  readonly waitNs: number;
}

/**
 * Every thread of `pid` by thread id, from /proc/<pid>/task/<tid>/schedstat (time on a
 * core, time waiting on a run queue) and `comm`; empty where /proc does not say (not
 * Linux, the process gone).
 */
export function threadTimes(pid: number): Map<number, ThreadTime> {
  const out = new Map<number, ThreadTime>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')
        .split(' ')
        .map(Number);
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(Number(tid), { name, runNs: run ?? 0, waitNs: wait ?? 0 });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/**
 * What the threads of `pid` did between two readings: its main thread's seconds on a core
 * and waiting for one, then the other threads grouped by name (`comm`: the worker threads'
 * names, `fs pglite` and so on, which the DuckDB threads they start inherit; V8's threads
 * and libuv's pool are all `node`, like the main thread), the busiest first (threads that
 * ended in between are not counted; threads that began count from 0).
 */
export function threadTimesLine(
  pid: number,
  before: Map<number, ThreadTime>,
  after: Map<number, ThreadTime>,
  wallMs: number,
): string {
  const main = after.get(pid);
  if (!main) return 'thread times: n/a';
  const delta = (tid: number, t: ThreadTime) => ({
    run: t.runNs - (before.get(tid)?.runNs ?? 0),
    wait: t.waitNs - (before.get(tid)?.waitNs ?? 0),
  });
  const s = (ns: number) => `${(ns / 1e9).toFixed(1)} s`;
  const m = delta(pid, main);
  const groups = new Map<string, { threads: number; run: number; wait: number }>();
  for (const [tid, t] of after) {
    if (tid === pid) continue;
    const d = delta(tid, t);
    const g = groups.get(t.name) ?? { threads: 0, run: 0, wait: 0 };
    groups.set(t.name, { threads: g.threads + 1, run: g.run + d.run, wait: g.wait + d.wait });
  }
  const others = [...groups]
    .filter(([, g]) => g.run > 0)
    .sort((a, b) => b[1].run - a[1].run)
    .map(([name, g]) => `${name} ×${g.threads} ${s(g.run)} (waited ${s(g.wait)})`);
  return (
    `over ${(wallMs / 1000).toFixed(0)} s, the main thread ran ${s(m.run)} and waited for a core ${s(m.wait)}; ` +
    `other threads ran: ${others.join(', ')}`
  );
}
