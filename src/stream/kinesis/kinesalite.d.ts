/** Types of the parts of `kinesalite` (a local Kinesis stand-in, dev dependency) the tests use. */
declare module 'kinesalite' {
  import type { Server } from 'node:http';

  interface KinesaliteOptions {
    /** Simulated delays of stream state changes, ms [500]. */
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    /** Shards allowed across all streams [10]. */
    shardLimit?: number;
    /** LevelDB directory; omitted = in memory. */
    path?: string;
    ssl?: boolean;
  }

  /** An HTTP server speaking the Kinesis API; call `listen`. */
  function kinesalite(options?: KinesaliteOptions): Server;
  export default kinesalite;
}
