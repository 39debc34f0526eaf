/** A query needs more lake files than the local cache may hold at once. */
export class CacheTooSmallError extends Error {
  override name = 'CacheTooSmallError';
  constructor(
    /** Bytes of the files the query needs. */
    readonly neededBytes: number,
    /** Bytes the cache may hold (lake.cacheMaxBytes), less what other running queries hold. */
    readonly availableBytes: number,
    readonly files: number,
  ) {
    super(
      `the query needs ${files} lake files of ${neededBytes} bytes but the cache (lake.cacheMaxBytes) has room for ${availableBytes}; ` +
        'filter on dt/hour/vendor at the top level of WHERE, or raise lake.cacheMaxBytes',
    );
  }
}
