/** Minimal leveled logger writing one line per event to stderr; passed in, never global. */
import { escapeControl } from './escape-control.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

/**
 * A logger printing `HH:MM:SS level [component] message k=v ...` at or above `level`.
 * Control characters in the message and values are escaped (`\u0000`, `\n`), so one
 * event is always one line and record text cannot forge another.
 */
export function createLogger(
  level: LogLevel = 'info',
  component = 'faresight',
  out: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const emit = (l: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (RANK[l] < RANK[level]) return;
    const kv = fields
      ? Object.entries(fields)
          .map(
            ([k, v]) =>
              ` ${k}=${escapeControl(typeof v === 'string' ? v : String(JSON.stringify(v)))}`,
          )
          .join('')
      : '';
    out(
      `${new Date().toISOString().slice(11, 19)} ${l.padEnd(5)} [${component}] ${escapeControl(msg)}${kv}\n`,
    );
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (c) => createLogger(level, c, out),
  };
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
