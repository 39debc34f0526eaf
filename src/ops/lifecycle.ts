import type { Logger } from './logger.js';
import type { Service } from './service.js';

/** Longest a shutdown may take before the process exits anyway (spot interruption budget). */
export const SHUTDOWN_DEADLINE_MS = 30_000;

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
        for (const s of [...services()].reverse()) {
          try {
            await s.stop();
            logger.info('stopped', { service: s.name });
          } catch (err) {
            logger.error('stop failed', { service: s.name, error: (err as Error).message });
          }
        }
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
