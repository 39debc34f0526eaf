import { z } from 'zod';

/**
 * Micro-batch shape shared by every consumer of a stream: whichever limit is reached
 * first closes a batch. Defaults: 1000 records, 4 MiB, 1000 ms; each consumer's config
 * section (lake.batch, realtime.batch) overrides them.
 */
export const batchPolicySchema = z.strictObject({
  count: z.number().int().positive().default(1000),
  bytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
  periodMs: z.number().int().positive().default(1000),
});

/** A parsed batch policy (see batchPolicySchema). */
export type BatchPolicy = z.infer<typeof batchPolicySchema>;
