/**
 * Defaults of the lake's configuration keys, in a module of their own so that the
 * configuration schema reads them without loading the writer and its engine.
 */

/**
 * Default of `lake.maxOpenBytes`: stream bytes the writer holds in open files over all
 * partitions (256 MiB); past it the largest files close first.
 */
/**
 * Longest the lake writer's flush at stop takes, ms: its share of the process's 30 s
 * shutdown deadline (SHUTDOWN_DEADLINE_MS), which the services stopped before it also use.
 */
export const DEFAULT_STOP_FLUSH_MS = 10_000;
export const DEFAULT_MAX_OPEN_BYTES = 256 * 1024 * 1024;
/** Default of `lake.rotateBytes`: a file is closed past this many bytes (128 MiB). */
export const DEFAULT_ROTATE_BYTES = 128 * 1024 * 1024;
/**
 * Default of `lake.compressionLevel`, the zstd level the writer writes: low, since encoding
 * is a large share of the writer's CPU and compaction rewrites closed partitions anyway.
 */
export const DEFAULT_COMPRESSION_LEVEL = 1;
/** Default of `lake.compactCompressionLevel` and of the merger: compacted files are cold and written once. */
export const DEFAULT_COMPACT_COMPRESSION_LEVEL = 9;
