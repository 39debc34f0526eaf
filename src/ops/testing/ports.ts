/**
 * Ports for tests that need one nothing else will take: a server a test stops and starts
 * again, or an address that must stay closed.
 *
 * Asking the kernel for port 0 and releasing it is not enough: the kernel hands the same
 * ephemeral range to every `listen(0)` and to every outgoing connection, so while the
 * port is released (before a private Redis first starts, or while it is down) another
 * test's server can be given it. CI saw exactly that: a test's "Redis" answered HTTP.
 * These ports come from below the kernel's ephemeral range, which it never hands out by
 * itself, and are checked free when chosen.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The first port of the kernel's ephemeral range (Linux's default when it cannot be read). */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && Number.isInteger(low) && low > 2048) return low;
  } catch {
    // not Linux: fall through
  }
  return 32768;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1 that is free now and outside the kernel's ephemeral range, so
 * no `listen(0)` or outgoing connection is given it while the caller leaves it closed.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1;
  const low = Math.max(1025, high - 12_000);
  for (let tries = 0; tries < 200; tries++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port found between ${low} and ${high}`);
}
