/** Raised for a configuration that cannot be read or is invalid; the message names field and value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * A service would listen beyond loopback without authentication. `problems` names each
 * setting at fault; the operator fixes the config or starts with `--insecure`.
 */
export class InsecureExposureError extends ConfigError {
  override name = 'InsecureExposureError';
  constructor(readonly problems: readonly string[]) {
    super(
      `refusing to start: ${problems.join('; ')}. Configure the secrets, bind to 127.0.0.1, ` +
        'or pass --insecure to run exposed without authentication anyway',
    );
  }
}
