/**
 * Every connection Faresight opens to NATS (the stream, its generation log, the lease
 * store): one place that names the servers and says what to check when it fails, instead
 * of the client's bare `CONNECTION_REFUSED`.
 */
import { type ConnectionOptions, connect, type NatsConnection } from 'nats';
import { StreamUnavailableError } from '../errors.js';

/** What to check for each way the client fails to connect, by its error code. */
const HINTS: Record<string, string> = {
  CONNECTION_REFUSED:
    'nothing listens there: is nats-server running (with JetStream, -js), and is stream.servers right?',
  AUTHORIZATION_VIOLATION:
    'the server refused the credentials: check the user and token in stream.servers',
  TIMEOUT: 'the connection timed out: check the address, the network and the firewall',
};

/**
 * Connects to `servers` (comma separated); a failure is a StreamUnavailableError naming
 * the servers, the client's code and what to check. Reconnects forever once connected.
 */
export async function connectNats(
  servers: string,
  name: string,
  opts: Partial<ConnectionOptions> = {},
): Promise<NatsConnection> {
  try {
    return await connect({
      servers: servers.split(','),
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      ...opts,
    });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const hint = (e.code && HINTS[e.code]) || 'check stream.servers and that the server is up';
    throw new StreamUnavailableError(
      `cannot connect to NATS at ${servers}: ${e.message ?? String(err)}: ${hint}`,
      { cause: err },
    );
  }
}
