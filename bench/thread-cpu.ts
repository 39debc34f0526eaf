/**
 * CPU time of the calling thread (on the event loop: the event loop's own work), from
 * Linux's /proc/thread-self/schedstat in nanoseconds; undefined elsewhere. Unlike wall
 * time it does not grow when other processes take the cores, so it shows what a change
 * moved off the event loop even on a loaded machine.
 */
import { readFileSync } from 'node:fs';

/** Milliseconds this thread has run on a CPU so far; undefined when the OS does not say. */
export function threadCpuMs(): number | undefined {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/** `f(ms)` of the thread CPU since `since`, or `n/a` when it cannot be read. */
export function cpuSince(since: number | undefined, f: (ms: number) => string): string {
  const now = threadCpuMs();
  return since === undefined || now === undefined ? 'n/a' : f(now - since);
}
