import type { z } from 'zod';
import type { Stream, StreamOptions } from './stream.js';

/** What every stream backend is given, whichever it is (from the `stream` config section). */
export interface StreamSettings extends StreamOptions {
  maxPendingRecords: number;
}

/**
 * What a stream implementation folder exports: its `stream.backend` name, the schema of
 * its own settings (merged into the `stream` config section) and a factory. `create`
 * returns an unconnected stream; the composition root connects it. The implementation
 * (and its client library) is loaded only when `create` is called.
 */
export interface StreamBackend<Name extends string, Schema extends z.ZodObject, Deps> {
  readonly name: Name;
  readonly configSchema: Schema;
  create(common: StreamSettings, settings: z.infer<Schema>, deps: Deps): Promise<Stream>;
}
