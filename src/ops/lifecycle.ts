import type { Logger } from './logger.js';
import type { Service } from './service.js';

/** Longest a shutdown may take before the process exits anyway (spot interruption budget). */
export const SHUTDOWN_DEADLINE_MS = 30_000;

/** How often a service that is still stopping is named in a warning, ms. */
export const STILL_STOPPING_EVERY_MS = 5_000;

/**
 * Stops `services` one after another, the last started first; a failed stop is logged and
 * the next one stops all the same. Each stop is logged with how long it took, and a stop
 * that takes longer than STILL_STOPPING_EVERY_MS is named in a warning every as often, so
 * that a shutdown cut short by its deadline says which service held it.
 */
export async function stopInReverse(
  services: readonly Service[],
  logger: Logger,
  everyMs = STILL_STOPPING_EVERY_MS,
): Promise<void> {
  for (const s of [...services].reverse()) {
    const started = performance.now();
    const still = setInterval(
      () =>
        logger.warn('still stopping', {
          service: s.name,
          waitedMs: Math.round(performance.now() - started),
        }),
      everyMs,
    );
    still.unref();
    try {
      await s.stop();
      logger.info('stopped', { service: s.name, ms: Math.round(performance.now() - started) });
    } catch (err) {
      logger.error('stop failed', { service: s.name, error: (err as Error).message });
    } finally {
      clearInterval(still);
    }
  }
}

/**
 * Resolves on the first SIGINT or SIGTERM, after stopping `services` in reverse start
 * order (the first started stops last) and running `finally` (closing backends). A second
 * signal, or the deadline, exits at once with code 1.
 */
export function stopOnSignal(
  services: () => readonly Service[],
  logger: Logger,
  onStopped: () => Promise<void> = async () => {},
): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn('second signal, exiting now', { signal });
        process.exit(1);
      }
      stopping = true;
      logger.info('stopping', { signal });
      const timer = setTimeout(() => {
        logger.error('shutdown took too long, exiting');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      timer.unref();
      (async () => {
        await stopInReverse(services(), logger);
        await onStopped();
        clearTimeout(timer);
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
        resolve();
      })();
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
