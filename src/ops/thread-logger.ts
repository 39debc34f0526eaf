/**
 * Log lines of a worker thread, printed by the thread that started it: the thread logs
 * through postingLogger, which posts each line as a ThreadLogLine, and its owner passes
 * them to printThreadLog with its own logger. One process prints one stream of lines.
 */
import type { Logger, LogLevel } from './logger.js';

/** One log line posted by a thread; `component` when the thread logged through a child. */
export interface ThreadLogLine {
  readonly kind: 'log';
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields?: Record<string, unknown>;
  readonly component?: string;
}

/** A Logger whose lines go to `post` (a thread's `parentPort.postMessage`). */
export function postingLogger(post: (m: ThreadLogLine) => void, component?: string): Logger {
  const emit = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    const line = { kind: 'log' as const, level, msg, ...(component ? { component } : {}) };
    try {
      post(fields ? { ...line, fields } : line);
    } catch {
      post(line); // a field that cannot be copied: the line without it
    }
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (c) => postingLogger(post, c),
  };
}

/** True when `m` is a thread's log line. */
export function isThreadLogLine(m: unknown): m is ThreadLogLine {
  return (m as Partial<ThreadLogLine> | null)?.kind === 'log';
}

/** Prints a thread's line through `logger` (a child of it when the line names a component). */
export function printThreadLog(logger: Logger, m: ThreadLogLine): void {
  (m.component ? logger.child(m.component) : logger)[m.level](m.msg, m.fields);
}
