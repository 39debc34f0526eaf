/**
 * For integration tests on real servers: the skip reason when some server is not
 * listening on loopback, or false. Under CI=true it is always false: there the servers
 * are mandatory and a missing one fails the test instead.
 */
import { tcpReachable } from '../../stream/jetstream/testing/nats-server.js';

/** `not running: <name> on 127.0.0.1:<port>, ...` for the servers not reachable, or false. */
export async function skipUnlessServers(
  servers: readonly (readonly [name: string, port: number])[],
): Promise<string | false> {
  const missing: string[] = [];
  for (const [name, port] of servers)
    if (!(await tcpReachable(port))) missing.push(`${name} on 127.0.0.1:${port}`);
  return missing.length > 0 && process.env.CI !== 'true'
    ? `not running: ${missing.join(', ')}`
    : false;
}
