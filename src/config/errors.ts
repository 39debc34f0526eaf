/** Raised for a configuration that cannot be read or is invalid; the message names field and value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
