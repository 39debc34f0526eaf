/**
 * The last resort against a bug: an unhandled promise rejection or an uncaught exception
 * is logged (one `fatal` line with the error and its stack, which the fault suite looks
 * for) and the process exits with FATAL_EXIT_CODE. When a clean stop is registered
 * (`stopOnSignal` listens for SIGTERM), the guard raises SIGTERM so services drain and
 * checkpoint first; the shutdown deadline still bounds the exit. Every background writer
 * is meant to handle its own errors: a fatal line is a defect to fix, not a policy.
 */

import { SHUTDOWN_DEADLINE_MS } from './lifecycle.js';
import type { Logger } from './logger.js';

/** Exit code after a fatal error (EX_SOFTWARE, sysexits.h). */
export const FATAL_EXIT_CODE = 70;

/** The message of a fatal log line; the fault suite greps process output for it. */
export const FATAL_MESSAGE = 'fatal: unhandled error, exiting';

export interface ProcessGuardOptions {
  logger: Logger;
  /** Longest the clean stop may take before exiting anyway [SHUTDOWN_DEADLINE_MS]. */
  deadlineMs?: number;
  /** How the process ends [process.exit]; for tests. */
  exit?: (code: number) => void;
}

/**
 * Installs the handlers; returns a function that removes them. Call once, at the entry
 * point, before anything starts.
 */
export function installProcessGuard(opts: ProcessGuardOptions): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let fatal = false;
  const onFatal = (kind: string) => (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    opts.logger.error(FATAL_MESSAGE, {
      kind,
      error: `${e.name}: ${e.message}`,
      stack: e.stack?.split('\n').slice(1, 6).join(' | ').replace(/\s+/g, ' '),
    });
    if (fatal) return;
    fatal = true;
    process.exitCode = FATAL_EXIT_CODE;
    const timer = setTimeout(() => exit(FATAL_EXIT_CODE), opts.deadlineMs ?? SHUTDOWN_DEADLINE_MS);
    timer.unref();
    if (process.listenerCount('SIGTERM') > 0) process.kill(process.pid, 'SIGTERM');
    else exit(FATAL_EXIT_CODE);
  };
  const rejection = onFatal('unhandledRejection');
  const exception = onFatal('uncaughtException');
  process.on('unhandledRejection', rejection);
  process.on('uncaughtException', exception);
  return () => {
    process.off('unhandledRejection', rejection);
    process.off('uncaughtException', exception);
  };
}
