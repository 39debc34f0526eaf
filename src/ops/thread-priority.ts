/**
 * Scheduling priority of one thread. A worker thread that does background work (forecast
 * fitting) lowers its own priority, so that when it and the event loop of a serving
 * process compete for a core (more runnable threads than cores: other processes, other
 * roles), the event loop runs first; with a core to spare it changes nothing.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Niceness of background threads: the usual `nice` default (the event loop keeps 0). */
export const BACKGROUND_NICENESS = 10;

/**
 * Sets the niceness of the calling thread (not the process: on Linux every thread is a
 * task of its own, found through /proc/thread-self). Only lowering (a higher niceness)
 * needs no privilege. Returns false, changing nothing, where the OS does not offer it
 * per thread (not Linux) or refuses it.
 */
export function setThisThreadNiceness(niceness: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, niceness);
    return true;
  } catch {
    return false;
  }
}

/** Niceness of thread `tid` of this process (Linux); undefined elsewhere or when it is gone. */
export function threadNiceness(tid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces) in ")"; niceness is field 19
    const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    return Number.isFinite(nice) ? nice : undefined;
  } catch {
    return undefined;
  }
}

/** Ids of this process's threads at `niceness` (Linux: /proc/self/task); none elsewhere. */
export function threadsAtNiceness(niceness: number): number[] {
  if (process.platform !== 'linux') return [];
  return readdirSync('/proc/self/task')
    .map(Number)
    .filter((tid) => threadNiceness(tid) === niceness);
}
