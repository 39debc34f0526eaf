/**
 * The NATS server of the integration tests and the probe that decides whether they run:
 * they need the server at NATS_SERVERS and skip, saying why, when none listens there,
 * except under CI=true, where they are mandatory (a missing server then fails them).
 */
import { connect } from 'node:net';

const HOST = '127.0.0.1';
const PORT = 4222;

/** `servers` of the NATS server the integration tests use. */
export const NATS_SERVERS = `${HOST}:${PORT}`;

/** True when `host:port` accepts a TCP connection within a second. */
export function tcpReachable(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Whether the JetStream tests of `what` run: a NATS server listens at NATS_SERVERS, or
 * CI=true. When they do not, prints the reason they are skipped.
 */
export async function natsForTests(what: string): Promise<boolean> {
  if (process.env.CI === 'true' || (await tcpReachable(PORT))) return true;
  console.log(`# skipping ${what}: no NATS server on ${NATS_SERVERS}`);
  return false;
}
