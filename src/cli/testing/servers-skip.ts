/**
 * For integration tests on real servers: the skip reason when some server is not
 * listening on loopback, or false. Under CI=true it is always false: there the servers
 * are mandatory and a missing one fails the test instead.
 */
import { connect } from 'node:net';

/** True when something accepts a TCP connection on 127.0.0.1:`port` within a second. */
export function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** `not running: <name> on 127.0.0.1:<port>, ...` for the servers not reachable, or false. */
export async function skipUnlessServers(
  servers: readonly (readonly [name: string, port: number])[],
): Promise<string | false> {
  const missing: string[] = [];
  for (const [name, port] of servers)
    if (!(await reachable(port))) missing.push(`${name} on 127.0.0.1:${port}`);
  return missing.length > 0 && process.env.CI !== 'true'
    ? `not running: ${missing.join(', ')}`
    : false;
}
