/**
 * Frontend messages of the extended query protocol (Parse, Bind, Describe, Execute,
 * Close), read from one whole message as pg-gateway hands it over (type byte, length,
 * body). Throws SqlProtocolError for a message that is cut short.
 */
import { SqlProtocolError } from './wire-errors.js';

/** Parse: a statement to prepare under `name` ('' = the unnamed statement). */
export interface ParseMessage {
  readonly name: string;
  readonly sql: string;
  readonly paramTypes: readonly number[];
}

/** Bind: a portal from a prepared statement and its parameter values. */
export interface BindMessage {
  readonly portal: string;
  readonly statement: string;
  readonly paramFormats: readonly number[];
  readonly values: readonly (Buffer | null)[];
  readonly resultFormats: readonly number[];
}

/** Describe or Close of a statement ('S') or a portal ('P'). */
export interface TargetMessage {
  readonly kind: 'S' | 'P';
  readonly name: string;
}

/** Execute: up to `maxRows` rows (0 = all) of a portal. */
export interface ExecuteMessage {
  readonly portal: string;
  readonly maxRows: number;
}

class Reader {
  private at = 5;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length)
      throw new SqlProtocolError(
        `message '${String.fromCharCode(this.buf[0] ?? 0)}' is shorter than its fields`,
        '08P01',
      );
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  byte(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.at);
    if (end < 0) throw new SqlProtocolError('a string field has no terminator', '08P01');
    const s = this.buf.toString('utf8', this.at, end);
    this.at = end + 1;
    return s;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return Buffer.from(b);
  }
}

const asBuffer = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.length);

export function readParse(data: Uint8Array): ParseMessage {
  const r = new Reader(asBuffer(data));
  const name = r.cstring();
  const sql = r.cstring();
  const n = r.int16();
  const paramTypes = Array.from({ length: n }, () => r.uint32());
  return { name, sql, paramTypes };
}

export function readBind(data: Uint8Array): BindMessage {
  const r = new Reader(asBuffer(data));
  const portal = r.cstring();
  const statement = r.cstring();
  const paramFormats = Array.from({ length: r.int16() }, () => r.int16());
  const values = Array.from({ length: r.int16() }, () => {
    const len = r.int32();
    return len < 0 ? null : r.bytes(len);
  });
  const resultFormats = Array.from({ length: r.int16() }, () => r.int16());
  return { portal, statement, paramFormats, values, resultFormats };
}

export function readTarget(data: Uint8Array): TargetMessage {
  const r = new Reader(asBuffer(data));
  const kind = String.fromCharCode(r.byte());
  if (kind !== 'S' && kind !== 'P')
    throw new SqlProtocolError(`Describe/Close of "${kind}": expected S or P`, '08P01');
  return { kind, name: r.cstring() };
}

export function readExecute(data: Uint8Array): ExecuteMessage {
  const r = new Reader(asBuffer(data));
  return { portal: r.cstring(), maxRows: r.int32() };
}

/** The SQL of a simple Query message. */
export function readQuery(data: Uint8Array): string {
  return new Reader(asBuffer(data)).cstring();
}
