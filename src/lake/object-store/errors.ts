/** The configured object store cannot be used (missing bucket, unreachable endpoint, bad config). */
export class ObjectStoreUnavailableError extends Error {
  override name = 'ObjectStoreUnavailableError';
}
