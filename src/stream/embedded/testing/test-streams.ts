/**
 * Embedded streams for tests in any room (the set-up the real-time and writer-crash tests
 * each repeated), and a stream's writer thread (a private field: the kill switch
 * `crashForTesting` is a test hook).
 */
import assert from 'node:assert/strict';
import { EmbeddedStream, type EmbeddedStreamOptions } from '../embedded-stream.js';
import { WriterThread } from '../writer-thread.js';

/**
 * A connected embedded stream `name` in `dir` (reopenable with the same dir): 2 shards, a
 * day's retention, a minute's dedupe window, no trimming, 5 ms polls, unless `overrides`.
 */
export async function openTestStream(
  dir: string,
  name = 'shopping',
  overrides: Partial<Omit<EmbeddedStreamOptions, 'dir' | 'name'>> = {},
): Promise<EmbeddedStream> {
  const s = new EmbeddedStream({
    dir,
    name,
    shards: 2,
    retentionMs: 86_400_000,
    dedupeWindowMs: 60_000,
    trimIntervalMs: 0,
    pollIntervalMs: 5,
    ...overrides,
  });
  await s.connect();
  return s;
}

/** The stream the writer-thread crash tests run on: 4 shards, a 2-minute dedupe window. */
export function openRespawnStream(dir: string): Promise<EmbeddedStream> {
  return openTestStream(dir, 'respawn', { shards: 4, dedupeWindowMs: 120_000 });
}

/** The stream's writer thread. */
export function writerOf(s: EmbeddedStream): WriterThread {
  const w = (s as unknown as { writer: unknown }).writer;
  assert.ok(w instanceof WriterThread, 'the stream does not write on a WriterThread');
  return w;
}
