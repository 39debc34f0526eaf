/**
 * For ingest tests: a connected embedded stream in `dir` as ingest's streams are by
 * default (2 shards, 24 h retention, 120 s dedupe window), without the trim timer;
 * `opts` overrides any of it.
 */
import {
  EmbeddedStream,
  type EmbeddedStreamOptions,
} from '../../stream/embedded/embedded-stream.js';

export async function openIngestStream(
  dir: string,
  name: string,
  opts: Partial<EmbeddedStreamOptions> = {},
): Promise<EmbeddedStream> {
  const s = new EmbeddedStream({
    dir,
    name,
    shards: 2,
    retentionMs: 86_400_000,
    dedupeWindowMs: 120_000,
    trimIntervalMs: 0,
    ...opts,
  });
  await s.connect();
  return s;
}
