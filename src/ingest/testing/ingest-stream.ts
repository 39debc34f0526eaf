/**
 * For ingest tests: a connected embedded stream in `dir` as ingest's streams are by
 * default (2 shards, 24 h retention, 120 s dedupe window), without the trim timer;
 * `opts` overrides any of it.
 */
import type {
  EmbeddedStream,
  EmbeddedStreamOptions,
} from '../../stream/embedded/embedded-stream.js';
import { openTestStream } from '../../stream/embedded/testing/test-streams.js';

export function openIngestStream(
  dir: string,
  name: string,
  opts: Partial<Omit<EmbeddedStreamOptions, 'dir' | 'name'>> = {},
): Promise<EmbeddedStream> {
  return openTestStream(dir, name, { dedupeWindowMs: 120_000, pollIntervalMs: 100, ...opts });
}
