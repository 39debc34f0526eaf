/** The lifecycle settings cannot be applied as given (names the keys and values). */
export class LifecycleConfigError extends Error {
  override name = 'LifecycleConfigError';
}
