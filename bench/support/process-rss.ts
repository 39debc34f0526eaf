import { readFileSync } from 'node:fs';

/** RSS of one process from /proc, bytes; 0 when it is gone. */
function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** RSS of `pid` and its child processes (one level: the session host, workers), bytes. */
export function treeRss(pid: number): number {
  let kids: number[] = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {}
  return rss(pid) + kids.reduce((s, k) => s + rss(k), 0);
}

/** The 99th percentile of `latencies` (NaN when empty). */
export function p99(latencies: readonly number[]): number {
  return percentile(latencies, 0.99);
}

/** The `q` quantile (0..1) of `latencies`, nearest rank; NaN when there are none. */
export function percentile(latencies: readonly number[], q: number): number {
  const s = [...latencies].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? Number.NaN;
}
