/** Whether the test NATS server (127.0.0.1:4222) answers, for integration tests that skip without it. */
import { connect } from 'node:net';

export const NATS_HOST = '127.0.0.1';
export const NATS_PORT = 4222;
export const NATS_SERVERS = `${NATS_HOST}:${NATS_PORT}`;

/** Resolves true once a TCP connection to the test NATS server opens (1 s timeout). */
export function natsReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: NATS_HOST, port: NATS_PORT });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}
