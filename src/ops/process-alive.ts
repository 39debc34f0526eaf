/**
 * True when a process of id `pid` exists (signal 0 probes without signalling; EPERM means
 * it exists but belongs to another user). False for an id that is not a positive integer.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
