/**
 * What holds PGlite's one connection: a read (a query on its own, see statementUse), any
 * other statement on its own, or a whole transaction.
 */
export type ConnectionUse = 'read' | 'statement' | 'transaction';

type Waiter = { readonly use: ConnectionUse; readonly start: () => void };

/**
 * Reads that may go ahead of a waiting write in a row, so that a steady stream of reads
 * cannot hold the writers back for ever.
 */
export const READS_AHEAD_OF_A_WRITE = 16;

/**
 * The use of a statement on its own: `read` when its SQL begins with SELECT or WITH and
 * names no INSERT, UPDATE, DELETE or MERGE (a query, the route graph's recursive search).
 * Only an order of preference: a write taken for a read merely goes first.
 */
export function statementUse(sql: string): ConnectionUse {
  return /^\s*(select|with)\b/i.test(sql) && !/\b(insert|update|delete|merge)\b/i.test(sql)
    ? 'read'
    : 'statement';
}

/**
 * Who gets PGlite's one connection next, in the row store's thread. Reads (API requests,
 * in `faresight up`) go before the writes queued beside them, statements and
 * transactions alike: a read waits for the write in progress, not for every writer's
 * queued batch too. At most READS_AHEAD_OF_A_WRITE reads go ahead of a waiting write in a
 * row, so writers are never starved. Writes keep their order of arrival.
 */
export class ConnectionQueue {
  private busy = false;
  private waiting: Waiter[] = [];
  /** Reads run in a row while a write waited. */
  private readsAhead = 0;

  /**
   * Runs `work` once the connection is free and holds it until `work` settles (for a
   * transaction: until it has committed or rolled back). Settles as `work` does.
   */
  run<T>(use: ConnectionUse, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        work()
          .then(resolve, reject)
          .finally(() => this.next());
      };
      if (this.busy) this.waiting.push({ use, start });
      else {
        this.busy = true;
        start();
      }
    });
  }

  private next(): void {
    let i = 0;
    if (this.readsAhead < READS_AHEAD_OF_A_WRITE) {
      const read = this.waiting.findIndex((w) => w.use === 'read');
      if (read > 0) {
        i = read;
        this.readsAhead++;
      }
    }
    if (i === 0) this.readsAhead = 0;
    const [w] = this.waiting.splice(i, 1);
    if (w) w.start();
    else this.busy = false;
  }
}
