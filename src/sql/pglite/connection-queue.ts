/** What holds PGlite's one connection: a statement on its own, or a whole transaction. */
export type ConnectionUse = 'statement' | 'transaction';

type Waiter = { readonly use: ConnectionUse; readonly start: () => void };

/**
 * Who gets PGlite's one connection next, in the row store's thread. In arrival order,
 * except that when a transaction ends, the statements that waited for it (API reads, in
 * `faresight up`) run before the transactions queued beside them: a read waits for the
 * transaction in progress, not for every writer's queued batch too. Statements that
 * arrive later queue behind those transactions, so writers are never starved.
 */
export class ConnectionQueue {
  private busy = false;
  private waiting: Waiter[] = [];

  /**
   * Runs `work` once the connection is free and holds it until `work` settles (for a
   * transaction: until it has committed or rolled back). Settles as `work` does.
   */
  run<T>(use: ConnectionUse, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        work()
          .then(resolve, reject)
          .finally(() => this.next(use));
      };
      if (this.busy) this.waiting.push({ use, start });
      else {
        this.busy = true;
        start();
      }
    });
  }

  private next(ended: ConnectionUse): void {
    if (ended === 'transaction') {
      this.waiting = [
        ...this.waiting.filter((w) => w.use === 'statement'),
        ...this.waiting.filter((w) => w.use === 'transaction'),
      ];
    }
    const w = this.waiting.shift();
    if (w) w.start();
    else this.busy = false;
  }
}
