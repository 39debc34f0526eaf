import { type BatchPolicy, batchPolicySchema } from '../../stream/batch-policy.js';
import { DEFAULT_COMPRESSION_LEVEL, DEFAULT_ROTATE_BYTES } from '../lake-defaults.js';
import type { LakeWriterConfig } from '../lake-writer.js';

/**
 * The lake writer's slice of the configuration for tests, without the configuration
 * schema (which imports the lake's backends): `lake` keys as given, `rotateBytes` and
 * `compressionLevel` at the configuration's defaults, the batch policy's missing limits
 * at theirs.
 */
export function writerConfig(
  dataDir: string,
  lake: {
    rotateSeconds: number;
    rotateBytes?: number;
    compressionLevel?: number;
    batch: Partial<BatchPolicy>;
  },
): LakeWriterConfig {
  return {
    dataDir,
    lake: {
      rotateSeconds: lake.rotateSeconds,
      rotateBytes: lake.rotateBytes ?? DEFAULT_ROTATE_BYTES,
      compressionLevel: lake.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL,
      batch: batchPolicySchema.parse(lake.batch),
    },
  };
}
