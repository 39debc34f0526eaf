/**
 * Avro binary to JSON text, byte to byte. The lake stages records for DuckDB's JSON
 * reader; decoding Avro into JavaScript objects and stringifying them again cost about
 * 11 µs per offer, more than DuckDB's whole Parquet write. This walks the bytes with a
 * transcoder compiled once per writer schema (from avsc's parsed Type) and writes JSON
 * bytes straight into a growing buffer: strings are copied as their UTF-8 bytes (escaped
 * where JSON needs it), numbers are printed, nothing else is allocated.
 *
 * Field names are renamed as the transcoder is compiled (the lake uses snake_case).
 * Truncated or malformed input throws AvroJsonError; the caller decides what that means.
 */
import type avro from 'avsc';

/** Bytes that do not parse as the schema says. */
export class AvroJsonError extends Error {
  override name = 'AvroJsonError';
}

/** Reads Avro primitives from a byte range. */
export class AvroReader {
  private view: DataView;
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
  }

  private need(n: number): void {
    if (this.pos + n > this.end)
      throw new AvroJsonError(`truncated at byte ${this.pos} (needs ${n} more)`);
  }

  /** A zigzag varint (Avro int and long); exact up to 2^52 in magnitude, as avsc's own reader. */
  long(): number {
    const buf = this.buf;
    let n = 0;
    let shift = 0;
    let b: number;
    do {
      if (this.pos >= this.end) throw new AvroJsonError(`truncated varint at byte ${this.pos}`);
      b = buf[this.pos++]!;
      n |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 28);
    if (!(b & 0x80)) return (n >>> 1) ^ -(n & 1);
    // Longer than 4 bytes: continue in floating point (exact below 2^53).
    let f = n;
    let m = 268_435_456; // 2^28
    do {
      if (this.pos >= this.end) throw new AvroJsonError(`truncated varint at byte ${this.pos}`);
      if (m > 2 ** 56) throw new AvroJsonError(`varint too long at byte ${this.pos}`);
      b = buf[this.pos++]!;
      f += (b & 0x7f) * m;
      m *= 128;
    } while (b & 0x80);
    return f % 2 === 0 ? f / 2 : -(f + 1) / 2;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  float(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Length of a string or bytes value, checked against what is left. */
  length(): number {
    const n = this.long();
    if (n < 0) throw new AvroJsonError(`negative length ${n} at byte ${this.pos}`);
    this.need(n);
    return n;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = '0123456789abcdef';
/** 1 for the bytes a JSON string holds as they are: all but control characters, `"` and `\`. */
const PLAIN = new Uint8Array(256).map((_, c) =>
  c >= 0x20 && c !== QUOTE && c !== BACKSLASH ? 1 : 0,
);

/**
 * An output buffer of JSON bytes. Contiguous by default: it doubles when full, so that
 * offsets into `buf` stay valid. Given a `spill` function, a full buffer is handed to it
 * (to be written to a file) and reused instead, so a large output never sits in memory.
 */
export class JsonOut {
  buf: Buffer;
  pos = 0;
  private spilled = 0;

  constructor(
    initial = 1 << 20,
    private spill?: (bytes: Buffer) => void,
  ) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /**
   * Empties the output (what was not spilled is dropped) and sets where it spills from
   * now on, keeping its buffer: one output serves many texts without allocating.
   */
  reset(spill?: (bytes: Buffer) => void): void {
    this.pos = 0;
    this.spilled = 0;
    this.spill = spill;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.spill) {
      this.flush();
      if (n <= this.buf.length) return;
    }
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Hands what is buffered to `spill` (nothing without one). */
  flush(): void {
    if (!this.spill || this.pos === 0) return;
    this.spill(this.buf.subarray(0, this.pos));
    this.spilled += this.pos;
    this.pos = 0;
  }

  /** Bytes written in all. */
  get length(): number {
    return this.spilled + this.pos;
  }

  /** Everything written, when nothing was spilled (a view, valid until the next write). */
  view(): Buffer {
    if (this.spilled > 0) throw new Error('this output was spilled; read it where it went');
    return this.buf.subarray(0, this.pos);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Bytes already encoded (ASCII literals, key prefixes, spans of other outputs). */
  raw(bytes: Buffer, start = 0, end = bytes.length): void {
    const n = end - start;
    this.ensure(n);
    if (n < 48) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) buf[p++] = bytes[i]!;
      this.pos = p;
    } else {
      bytes.copy(this.buf, this.pos, start, end);
      this.pos += n;
    }
  }

  /** An integer in decimal (one- and two-digit ones, the common case, without a string). */
  int(v: number): void {
    if (v >= 0 && v < 100 && (v | 0) === v) {
      this.ensure(2);
      if (v < 10) this.buf[this.pos++] = 48 + v;
      else {
        this.buf[this.pos++] = 48 + ((v / 10) | 0);
        this.buf[this.pos++] = 48 + (v % 10);
      }
      return;
    }
    this.ascii(String(v));
  }

  /**
   * `c / 100` in decimal as `String` writes it (no trailing zeros, no point for a whole
   * number, `0` for negative zero), for an integer |c| < 2^31 * 100.
   */
  hundredths(c: number): void {
    this.ensure(16);
    const buf = this.buf;
    let p = this.pos;
    if (c < 0) {
      buf[p++] = 0x2d; // -
      c = -c;
    }
    let whole = (c / 100) | 0;
    const frac = c - whole * 100;
    const start = p;
    do {
      buf[p++] = 48 + (whole % 10);
      whole = (whole / 10) | 0;
    } while (whole > 0);
    for (let i = start, j = p - 1; i < j; i++, j--) {
      const t = buf[i]!;
      buf[i] = buf[j]!;
      buf[j] = t;
    }
    if (frac !== 0) {
      buf[p++] = 0x2e; // .
      buf[p++] = 48 + ((frac / 10) | 0);
      if (frac % 10 !== 0) buf[p++] = 48 + (frac % 10);
    }
    this.pos = p;
  }

  /** An ASCII string (numbers, literals). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** A JSON string from UTF-8 bytes: quoted, with `"`, `\` and control characters escaped. */
  utf8String(src: Uint8Array, start: number, end: number): void {
    this.ensure((end - start) * 6 + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = QUOTE;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      if (PLAIN[c] === 1) {
        buf[p++] = c;
      } else if (c === QUOTE || c === BACKSLASH) {
        buf[p++] = BACKSLASH;
        buf[p++] = c;
      } else {
        buf[p++] = BACKSLASH;
        buf[p++] = 0x75; // u
        buf[p++] = 0x30;
        buf[p++] = 0x30;
        buf[p++] = HEX.charCodeAt(c >> 4);
        buf[p++] = HEX.charCodeAt(c & 15);
      }
    }
    buf[p++] = QUOTE;
    this.pos = p;
  }
}

/**
 * Where `compileFields` noted a captured field: `in` is the input offset of its value,
 * `start`/`end` the output span of its JSON value (equal when it was left out as null).
 */
export interface Capture {
  in: number;
  start: number;
  end: number;
}

/** Writes the fields of one record, noting the captured ones in `captures`. */
export type TranscodeFields = (
  r: AvroReader,
  out: JsonOut,
  captures: Record<string, Capture>,
) => void;

const NULL = Buffer.from('null');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/** Below this many hundredths, every two-decimal number is far from its neighbours' doubles. */
const CENTS_LIMIT = 1e11;

/**
 * JSON text of a finite number, the same text as `String(v)`; NaN and infinities have
 * none, so they are an error. Amounts are exact to the minor unit, so most doubles here
 * are a whole number of hundredths: those are written by integer arithmetic, without
 * String's shortest-round-trip search (a tenth of staging's time). For |v| < 1e9 a
 * number with at most two decimals has exactly that decimal as its shortest form, since
 * its neighbours' doubles are closer than 0.01 to it; `c / 100 === v` checks that v is
 * the double nearest to c hundredths (division is correctly rounded, c is exact).
 */
export function writeNumber(out: JsonOut, v: number, at: number): void {
  const c = Math.round(v * 100);
  if (c / 100 === v && c < CENTS_LIMIT && c > -CENTS_LIMIT) {
    out.hundredths(c);
    return;
  }
  if (!Number.isFinite(v)) throw new AvroJsonError(`number ${v} at byte ${at} has no JSON form`);
  out.ascii(String(v));
}

type AvscType = avro.Type & {
  typeName: string;
  fields?: { name: string; type: avro.Type }[];
  itemsType?: avro.Type;
  valuesType?: avro.Type;
  types?: avro.Type[];
  symbols?: string[];
};

/**
 * Generates the JavaScript of a transcoder, as avsc does for its own decoders: one
 * straight-line function per schema, whose calls into the reader and the output are all
 * monomorphic (a closure per type was twice as slow). Constants (key and symbol bytes)
 * are passed in as `K`.
 */
class CodeGen {
  readonly K: unknown[] = [];
  private n = 0;

  constructor(private readonly rename: (field: string) => string) {}

  constant(v: unknown): string {
    this.K.push(v);
    return `K[${this.K.length - 1}]`;
  }

  private id(): number {
    return this.n++;
  }

  /** Code writing constant ASCII bytes as unrolled stores (cheaper than a call and a loop). */
  literal(bytes: Buffer): string {
    const stores = [...bytes].map((b, i) => `B[P + ${i}] = ${b};`).join(' ');
    return `{ out.ensure(${bytes.length}); const B = out.buf; const P = out.pos; ${stores} out.pos = P + ${bytes.length}; }`;
  }

  value(type: avro.Type): string {
    const t = type as AvscType;
    switch (t.typeName) {
      case 'null':
        return this.literal(NULL);
      case 'boolean': {
        const v = `b${this.id()}`;
        return `{ if (r.pos >= r.end) throw new E('truncated boolean at byte ' + r.pos); const ${v} = r.buf[r.pos++];
          if (${v} === 1) ${this.literal(TRUE)} else if (${v} === 0) ${this.literal(FALSE)}
          else throw new E('bad boolean ' + ${v} + ' at byte ' + (r.pos - 1)); }`;
      }
      case 'int':
      case 'long':
        return 'out.int(r.long());';
      case 'float':
        return 'num(out, r.float(), r.pos);';
      case 'double':
        return 'num(out, r.double(), r.pos);';
      case 'string': {
        const v = `n${this.id()}`;
        return `{ const ${v} = r.length(); out.utf8String(r.buf, r.pos, r.pos + ${v}); r.pos += ${v}; }`;
      }
      case 'enum': {
        const syms = this.constant(t.symbols!.map((x) => Buffer.from(JSON.stringify(x))));
        const i = `e${this.id()}`;
        return `{ const at = r.pos; const ${i} = r.long(); const s = ${syms}[${i}];
          if (s === undefined) throw new E('enum index ' + ${i} + ' out of range at byte ' + at); out.raw(s); }`;
      }
      case 'union:unwrapped':
      case 'union:wrapped': {
        const cases = t.types!.map((b, i) => `case ${i}: ${this.value(b)} break;`).join('\n');
        return `{ const at = r.pos; switch (r.long()) { ${cases}
          default: throw new E('union branch out of range at byte ' + at); } }`;
      }
      case 'array':
        return `out.byte(0x5b); ${this.blocks(() => this.value(t.itemsType!))} out.byte(0x5d);`;
      case 'map':
        return `out.byte(0x7b); ${this.blocks(() => `{ const n = r.length(); out.utf8String(r.buf, r.pos, r.pos + n); r.pos += n; } out.byte(0x3a); ${this.value(t.valuesType!)}`)} out.byte(0x7d);`;
      case 'record':
      case 'error':
        return `out.byte(0x7b); ${this.fields(t.fields!, [])} out.byte(0x7d);`;
      default:
        throw new Error(`the Avro-to-JSON transcoder does not handle type ${t.typeName}`);
    }
  }

  /** Avro's blocked encoding of arrays and maps; items separated by commas. */
  private blocks(item: () => string): string {
    const k = this.id();
    return `{ let first${k} = true; for (;;) { let c${k} = r.long(); if (c${k} === 0) break;
      if (c${k} < 0) { c${k} = -c${k}; r.long(); }
      for (let i${k} = 0; i${k} < c${k}; i${k}++) { if (!first${k}) out.byte(0x2c); first${k} = false; ${item()} } } }`;
  }

  /**
   * `"key":value` pairs. A null of an optional field (a union whose first branch is null)
   * is left out, key and all, once a field that is always present has been written (so a
   * comma never leads); JSON readers take a missing key as null.
   */
  fields(
    fields: readonly { name: string; type: avro.Type }[],
    captures: readonly string[],
    continued = false,
  ): string {
    let code = '';
    let written = continued;
    for (const f of fields) {
      const comma = written ? ',' : '';
      const key = this.literal(Buffer.from(`${comma}${JSON.stringify(this.rename(f.name))}:`));
      const cap = captures.includes(f.name) ? `cap[${JSON.stringify(f.name)}]` : undefined;
      const t = f.type as AvscType;
      const optional =
        written &&
        (t.typeName === 'union:unwrapped' || t.typeName === 'union:wrapped') &&
        (t.types![0] as AvscType).typeName === 'null';
      const before = cap ? `${cap}.in = r.pos; ${cap}.start = ${cap}.end = out.pos;` : '';
      if (optional) {
        const branches = t
          .types!.slice(1)
          .map(
            (b, i) =>
              `case ${i + 1}: ${key} ${cap ? `${cap}.start = out.pos;` : ''} ${this.value(b)} ${cap ? `${cap}.end = out.pos;` : ''} break;`,
          );
        code += `${before} { const at = r.pos; switch (r.long()) { case 0: break; ${branches.join('\n')}
          default: throw new E('union branch out of range at byte ' + at); } }\n`;
      } else {
        code += `${key} ${before} ${cap ? `${cap}.start = out.pos;` : ''} ${this.value(t)} ${cap ? `${cap}.end = out.pos;` : ''}\n`;
        written = true;
      }
    }
    return code;
  }

  build<F>(body: string): F {
    const make = new Function('K', 'E', 'num', `return function (r, out, cap) {\n${body}\n};`);
    return make(this.K, AvroJsonError, writeNumber) as F;
  }
}

/**
 * The fields of a record as `"key":value` pairs separated by commas, without braces, so
 * that a caller can splice them into an object of its own (`continued`: after pairs
 * already written, so the first key takes a comma). Fields named in `captures` have
 * their positions noted (see Capture); the caller passes an object holding a Capture for
 * each.
 */
export function compileFields(
  fields: readonly { name: string; type: avro.Type }[],
  options: {
    rename?: (field: string) => string;
    captures?: readonly string[];
    continued?: boolean;
  } = {},
): TranscodeFields {
  const g = new CodeGen(options.rename ?? ((f) => f));
  return g.build<TranscodeFields>(g.fields(fields, options.captures ?? [], options.continued));
}

/** camelCase to snake_case: `flightNumber` to `flight_number`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
