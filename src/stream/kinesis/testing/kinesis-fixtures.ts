/**
 * Fixtures for Kinesis stream tests: kinesalite (a Kinesis stand-in, in-process, in
 * memory) and a checkpoint store on in-memory PGlite.
 */
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import kinesalite from 'kinesalite';
import type { KinesisConnection } from '../kinesis-client.js';
import { type CheckpointSql, SqlCheckpointStore } from '../sql-checkpoint-store.js';

/** A running kinesalite and how to reach it. */
export interface Kinesalite {
  conn: KinesisConnection;
  close(): Promise<void>;
}

/** Starts kinesalite on a free port of 127.0.0.1, with instant stream state changes. */
export async function startKinesalite(): Promise<Kinesalite> {
  const server = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 1000,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    conn: {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** The CheckpointSql view of a PGlite database. */
export function pgliteSql(db: PGlite): CheckpointSql {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      return (await db.query<T>(sql, params as unknown[] | undefined)).rows;
    },
  };
}

/** A checkpoint store on a new in-memory PGlite; `close` releases it. */
export async function openPgliteCheckpoints(): Promise<{
  store: SqlCheckpointStore;
  sql: CheckpointSql;
  close(): Promise<void>;
}> {
  const db = await PGlite.create();
  const sql = pgliteSql(db);
  const store = new SqlCheckpointStore(sql);
  await store.init();
  return { store, sql, close: () => db.close() };
}
