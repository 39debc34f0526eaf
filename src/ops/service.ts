/** A running role (ingest server, lake writer, consumer loop, ...), as the composition root sees it. */
export interface Service {
  readonly name: string;
  /** Stops taking new work, drains and flushes what is in flight, checkpoints, then resolves. */
  stop(): Promise<void>;
}
