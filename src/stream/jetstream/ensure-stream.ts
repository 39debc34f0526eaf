import { DiscardPolicy, type JetStreamManager, nanos, StorageType, type StreamConfig } from 'nats';
import { isNotFound } from './nats-errors.js';

/** Raised when an existing JetStream stream does not match the configuration (shards, owner). */
export class JetStreamConfigError extends Error {
  override name = 'JetStreamConfigError';
}

/**
 * Creates the JetStream stream `name` (subjects `<name>.*`, one per shard; file storage;
 * max_age = retention; duplicate_window = dedupe window), or checks an existing one and
 * updates its retention and dedupe window. The shard count is kept in the stream's
 * description and must not change: throws JetStreamConfigError when it differs.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  opts: { name: string; shards: number; retentionMs: number; dedupeWindowMs: number },
): Promise<void> {
  const want: Partial<StreamConfig> = {
    name: opts.name,
    subjects: [`${opts.name}.*`],
    description: `faresight stream, shards=${opts.shards}`,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: 1,
    max_age: nanos(opts.retentionMs),
    // JetStream rejects a window longer than max_age, and reads 0 as its 2 min default
    duplicate_window: nanos(Math.max(1, Math.min(opts.dedupeWindowMs, opts.retentionMs))),
  };
  let existing: StreamConfig;
  try {
    existing = (await jsm.streams.info(opts.name)).config;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(want);
    return;
  }
  const m = /shards=(\d+)/.exec(existing.description ?? '');
  if (!m) {
    throw new JetStreamConfigError(
      `jetstream stream ${opts.name} exists but was not created by Faresight (no "shards=" in its description)`,
    );
  }
  if (Number(m[1]) !== opts.shards) {
    throw new JetStreamConfigError(
      `jetstream stream ${opts.name} was created with ${m[1]} shards, config says ${opts.shards}: keep the count in the config and grow it with "faresight stream reshard --shards M"`,
    );
  }
  // a sealed stream (an older generation) takes no update; its max_age reads 0
  if (existing.sealed) return;
  if (existing.max_age !== want.max_age || existing.duplicate_window !== want.duplicate_window) {
    await jsm.streams.update(opts.name, {
      ...existing,
      max_age: want.max_age!,
      duplicate_window: want.duplicate_window!,
    });
  }
}
