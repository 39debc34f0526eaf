import type { Stream } from './stream.js';

/**
 * The same stream, with `cleanup` run after `close()`: for backends whose helpers (a
 * checkpoint database, say) belong to the stream's lifetime.
 */
export function withCleanup(stream: Stream, cleanup: () => Promise<void>): Stream {
  return {
    get name() {
      return stream.name;
    },
    get shards() {
      return stream.shards;
    },
    connect: () => stream.connect(),
    append: (records) => stream.append(records),
    consumer: (group, policy, options) => stream.consumer(group, policy, options),
    rewind: (group, target) => stream.rewind(group, target),
    ...(stream.browse
      ? { browse: (shard, from, limit) => stream.browse!(shard, from, limit) }
      : {}),
    lag: (group) => stream.lag(group),
    info: () => stream.info(),
    trim: (now) => stream.trim(now),
    close: async () => {
      try {
        await stream.close();
      } finally {
        await cleanup();
      }
    },
  };
}
