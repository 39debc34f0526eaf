/**
 * Resolves after `ms`, or earlier when `subscribe`'s callback fires (new data) or
 * `signal` aborts; always unsubscribes. Shared by the consumers that wait for appends.
 */
export function waitForAppend(
  ms: number,
  subscribe: (wake: () => void) => () => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    let off: () => void = () => {};
    const done = () => {
      clearTimeout(timer);
      off();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    off = subscribe(done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
