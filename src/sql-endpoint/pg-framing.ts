/**
 * Splits the frontend's byte stream into whole protocol messages (type byte + length)
 * once start-up is over. pg-gateway 0.2.4 cuts every message after the first of a
 * chunk to nothing, and the extended protocol sends several per chunk (Parse, Bind,
 * Describe, Execute, Sync), so the endpoint reads messages itself after authentication.
 */
import type { Socket } from 'node:net';

/** Largest message accepted (PostgreSQL's own limit for most messages is 1 GB; queries here are small). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Calls `handle` with each message of `socket`, one at a time, in order; the socket is
 * paused while messages wait. `tooLarge` is called (and reading stops) for a message
 * over MAX_MESSAGE_BYTES.
 */
export function readMessages(
  socket: Socket,
  handle: (message: Buffer) => Promise<void>,
  tooLarge: (bytes: number) => void,
): void {
  let pending: Buffer = Buffer.alloc(0);
  let queue: Promise<void> = Promise.resolve();
  let waiting = 0;
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 5) {
      const length = pending.readInt32BE(1);
      if (length < 4 || length > MAX_MESSAGE_BYTES) {
        socket.removeAllListeners('data');
        tooLarge(length);
        return;
      }
      if (pending.length < 1 + length) break;
      const message = Buffer.from(pending.subarray(0, 1 + length));
      pending = pending.subarray(1 + length);
      waiting++;
      if (waiting > 64) socket.pause();
      queue = queue
        .then(() => handle(message))
        .catch(() => undefined)
        .finally(() => {
          waiting--;
          if (waiting <= 8) socket.resume();
        });
    }
  });
}
