import { type Logger, silentLogger } from '../logger.js';

/**
 * A logger for tests that keeps every info, warn and error line in `lines` as
 * `level message {fields as JSON}`; its children write to the same lines.
 */
export function recordingLogger(lines: string[]): Logger {
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
    };
  const logger: Logger = {
    ...silentLogger,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}
