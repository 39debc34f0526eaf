import type { LakeQuery, QueryResult, Row } from './lake-query.js';

/**
 * The derived methods of LakeQuery written once: an implementation supplies `open`,
 * `toParquet` and `close`, and inherits `stream` and `all` built on `open`.
 */
export abstract class LakeQueryBase implements LakeQuery {
  abstract open(sql: string): Promise<QueryResult>;
  abstract toParquet(sql: string, file: string): Promise<number>;
  abstract close(): Promise<void>;

  async *stream(sql: string): AsyncIterable<Row[]> {
    const result = await this.open(sql);
    yield* result.batches();
  }

  async all(sql: string): Promise<Row[]> {
    const out: Row[] = [];
    for await (const rows of this.stream(sql)) for (const r of rows) out.push(r);
    return out;
  }
}
