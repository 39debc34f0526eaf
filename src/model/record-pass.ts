/**
 * The fused validate-and-encode pass: one walk of a candidate record that checks it
 * against a zod schema and writes its Avro bytes at the same time, without the copy zod
 * makes of what it parses nor the intermediate object of the avsc encoder. It is
 * generated once per schema (see `compileRecordPass`) by walking the zod schema beside the
 * Avro schema, as JavaScript source compiled with `new Function` (as Ajv compiles its
 * validators): straight-line code per record type, whose call sites V8 can inline, where
 * a tree of closures was measured 2.6 times slower than validating then encoding. Every
 * rule is zod's own: its checks are called as zod calls them (`_zod.check`), except the
 * few kinds whose whole logic is a comparison (bounds, a regular expression, a `refine`
 * predicate, a safe integer), which are written out inline. So the pass cannot drift
 * from the schema, and a schema form it does not know fails the compile, loudly, rather
 * than passing unchecked.
 *
 * Not on ingest's hot path: on the ingest bench's bodies it costs 11-15% more CPU than
 * validateRecord (Ajv's compiled validator and hand-written rules) followed by the direct
 * encoder, because staying exact means calling zod's refinements (docs/benchmarks.md).
 *
 * The pass only ever accepts: anything it does not accept (an invalid value, a value that
 * zod would normalise, a value avsc cannot encode) gives `undefined`, and the caller asks
 * zod, which decides and words the errors (see validateAndEncode in validate.ts).
 */
import * as tap from './avro-tap.js';

/** The part of a zod 4 schema the compiler reads (`schema._zod`, zod's documented core). */
export interface ZodNode {
  _zod: {
    def: ZodDef;
    traits: Set<string>;
    check?: (payload: Payload) => unknown;
  };
}
interface ZodDef {
  type?: string;
  check?: string;
  checks?: ZodNode[];
  shape?: Record<string, ZodNode>;
  catchall?: ZodNode;
  innerType?: ZodNode;
  element?: ZodNode;
  in?: ZodNode;
  out?: ZodNode;
  entries?: Record<string, unknown>;
  transform?: (v: unknown, payload: Payload) => unknown;
  when?: (payload: Payload) => boolean;
}
interface Payload {
  value: unknown;
  issues: unknown[];
}

/** The Avro schema forms a record schema uses (codec.ts). */
type AvroType =
  | string
  | readonly AvroType[]
  | {
      type: string;
      name?: string;
      fields?: readonly AvroField[];
      items?: AvroType;
      symbols?: readonly string[];
    };
interface AvroField {
  name: string;
  type: AvroType;
  default?: unknown;
}

/**
 * Called with an object of the named Avro record type (e.g. `Offer`) once the object is
 * valid and written; returns true when it changed the object, which is then checked and
 * written again (once). How adapters add what they derive from valid values (a flag).
 */
export type RecordPassHooks = Readonly<Record<string, (value: object) => boolean>>;

/**
 * A compiled pass: the encoded record (`magic`, `version`, Avro body) when `value` is
 * valid under the schema and encodable as it is, else undefined. Unknown keys of an
 * accepted value are removed from it in place (zod's output drops them too); hooks run
 * as described at RecordPassHooks.
 */
export type RecordPass = (value: unknown, hooks?: RecordPassHooks) => Buffer | undefined;

/** Not accepted: the caller asks zod. A constant, so a refusal costs no stack trace. */
const REFUSED = new Error('refused by the fused pass');

/** A compile-time error: the schemas have a shape the pass does not know. */
function unsupported(what: string): never {
  throw new Error(`compileRecordPass: ${what}`);
}

/** The generated source and the values it refers to (`R[i]`). */
class Gen {
  readonly refs: unknown[] = [];
  readonly named = new Map<string, AvroType>();
  /** Source of each record type's functions, by Avro name. */
  readonly records = new Map<string, string>();
  private vars = 0;

  ref(v: unknown): string {
    this.refs.push(v);
    return `r${this.refs.length - 1}`;
  }

  fresh(): string {
    return `v${this.vars++}`;
  }

  resolve(type: AvroType): AvroType {
    return typeof type === 'string' ? (this.named.get(type) ?? type) : type;
  }
}

const THROW = 'throw REFUSED;';
/** The avro-tap functions the generated code calls, by their names. */
const WRITERS = {
  mark: tap.mark,
  rewind: tap.rewind,
  writeByte: tap.writeByte,
  writeLong: tap.writeLong,
  writeInt: tap.writeInt,
  writeTime: tap.writeTime,
  writeDouble: tap.writeDouble,
  writeString: tap.writeString,
};

/** Source that runs zod's checks of `s` on `v` (already of the right type). */
function checks(s: ZodNode, v: string, g: Gen): string {
  const own = s._zod.def.checks ?? [];
  const list = s._zod.traits.has('$ZodCheck') ? [s, ...own] : own;
  let out = '';
  for (const c of list) {
    const def = c._zod.def as ZodDef & {
      format?: string;
      pattern?: RegExp;
      value?: unknown;
      inclusive?: boolean;
      fn?: (v: unknown) => unknown;
    };
    if (def.check === 'overwrite') unsupported('a check that rewrites its value');
    if (!c._zod.check) unsupported(`check ${def.check} has no function`);
    let code: string;
    const bound = typeof def.value === 'number' && Number.isFinite(def.value);
    if (def.check === 'greater_than' && bound)
      code = `if (!(${v} ${def.inclusive ? '>=' : '>'} ${def.value})) ${THROW}`;
    else if (def.check === 'less_than' && bound)
      code = `if (!(${v} ${def.inclusive ? '<=' : '<'} ${def.value})) ${THROW}`;
    else if (def.check === 'number_format' && def.format === 'safeint')
      code = `if (!Number.isSafeInteger(${v})) ${THROW}`;
    else if (def.check === 'string_format' && def.format === 'regex' && def.pattern) {
      const re = g.ref(def.pattern);
      code = `${re}.lastIndex = 0; if (!${re}.test(${v})) ${THROW}`;
    } else if (def.check === 'custom' && typeof def.fn === 'function')
      code = `{ const ok = ${g.ref(def.fn)}(${v}); if (!ok || ok instanceof Promise) ${THROW} }`;
    else {
      code =
        `P.value = ${v}; ${g.ref(c._zod.check)}(P); ` +
        `if (P.issues.length > 0) { P.issues.length = 0; ${THROW} }`;
      // zod counts code points, each one or two UTF-16 units: the unit count settles the
      // common case (few units under a maximum, many over a minimum) without the call
      const d = def as { maximum?: number; minimum?: number };
      if (def.check === 'max_length' && typeof d.maximum === 'number')
        code = `if (${v}.length > ${d.maximum}) { ${code} }`;
      else if (def.check === 'min_length' && typeof d.minimum === 'number')
        code = `if (${v}.length < ${2 * d.minimum}) { ${code} }`;
    }
    out += def.when ? `P.value = ${v}; if (${g.ref(def.when)}(P)) { ${code} }\n` : `${code}\n`;
  }
  return out;
}

/** Source that checks `v` against `s` and writes it as Avro `type`. */
function value(type: AvroType, s: ZodNode, v: string, g: Gen): string {
  const t = g.resolve(type);
  const zt = s._zod.def.type;
  if (Array.isArray(t)) unsupported(`union ${JSON.stringify(t)} for a required zod ${zt}`);
  const name = typeof t === 'string' ? t : (t as { type: string }).type;
  switch (`${name}:${zt}`) {
    case 'string:string':
      return `if (typeof ${v} !== 'string') ${THROW}\n${checks(s, v, g)}writeString(${v});\n`;
    case 'double:number':
    case 'int:number':
      return (
        `if (typeof ${v} !== 'number' || !Number.isFinite(${v})) ${THROW}\n${checks(s, v, g)}` +
        `${name === 'int' ? 'writeInt' : 'writeDouble'}(${v});\n`
      );
    case 'boolean:boolean':
      return `if (typeof ${v} !== 'boolean') ${THROW}\n${checks(s, v, g)}writeByte(${v} ? 1 : 0);\n`;
    case 'long:pipe':
      return instant(s, v, g);
    case 'enum:enum':
      return enumeration(t as { name: string; symbols: readonly string[] }, s, v, g);
    case 'array:array':
      return array(t as { items: AvroType }, s, v, g);
    case 'record:object':
      return `${record(t as { name: string; fields: readonly AvroField[] }, s, g)}(${v});\n`;
    default:
      return unsupported(`Avro ${name} for zod ${zt}`);
  }
}

/**
 * An instant: zod's string checks, then its transform (the normalisation to UTC with
 * milliseconds); a value the transform would change is refused (zod gives it changed),
 * one it keeps is written as the codec does, as `Date.parse` milliseconds.
 */
function instant(s: ZodNode, v: string, g: Gen): string {
  const { in: input, out } = s._zod.def;
  if (input?._zod.def.type !== 'string' || out?._zod.def.type !== 'transform')
    unsupported('a pipe other than string -> transform');
  if (checks(s, v, g) || checks(out, v, g)) unsupported('checks on an instant pipe');
  return (
    `if (typeof ${v} !== 'string') ${THROW}\n${checks(input, v, g)}` +
    `P.value = ${v}; if (${g.ref(out._zod.def.transform)}(${v}, P) !== ${v}) ${THROW}\n` +
    `writeTime(${v});\n`
  );
}

function enumeration(
  t: { name: string; symbols: readonly string[] },
  s: ZodNode,
  v: string,
  g: Gen,
): string {
  g.named.set(t.name, t as AvroType);
  const values = Object.values(s._zod.def.entries ?? {});
  if (values.length !== t.symbols.length || values.some((x) => !t.symbols.includes(x as string)))
    unsupported(`enum ${values.join('|')} against Avro ${t.symbols.join('|')}`);
  const cases = t.symbols.map((sym, i) => `case ${JSON.stringify(sym)}: writeLong(${i}); break;`);
  return `switch (${v}) { ${cases.join(' ')} default: ${THROW} }\n${checks(s, v, g)}`;
}

/** One block of items then the end marker, as avsc writes an array. */
function array(t: { items: AvroType }, s: ZodNode, v: string, g: Gen): string {
  const item = g.fresh();
  const i = g.fresh();
  return (
    `if (!Array.isArray(${v})) ${THROW}\n` +
    `if (${v}.length > 0) writeLong(${v}.length);\n` +
    `for (let ${i} = 0; ${i} < ${v}.length; ${i}++) { const ${item} = ${v}[${i}];\n` +
    `${value(t.items, s._zod.def.element!, item, g)}}\n` +
    `writeLong(0);\n${checks(s, v, g)}`
  );
}

/**
 * A field: an optional zod field is Avro's `['null', T]` union (branch 0 when absent), or
 * a plain type with a field default, written when the value is absent (as the codec does).
 */
function field(f: AvroField, s: ZodNode, o: string, g: Gen): string {
  const v = g.fresh();
  const read = `let ${v} = ${o}[${JSON.stringify(f.name)}];\n`;
  if (s._zod.def.type !== 'optional') return read + value(f.type, s, v, g);
  const inner = s._zod.def.innerType!;
  if (checks(s, v, g)) unsupported(`checks on optional field ${f.name}`);
  const t = g.resolve(f.type);
  if (Array.isArray(t)) {
    if (t.length !== 2 || t[0] !== 'null') unsupported(`union of field ${f.name}`);
    return (
      `${read}if (${v} === undefined) writeByte(0);\n` +
      `else { writeByte(2);\n${value(t[1]!, inner, v, g)}}\n`
    );
  }
  if (!('default' in f)) unsupported(`optional field ${f.name} with neither null nor default`);
  return `${read}if (${v} === undefined) ${v} = ${JSON.stringify(f.default)};\n${value(t, inner, v, g)}`;
}

/**
 * The functions of a record type, returning the one to call: the zod object's keys must
 * be the Avro fields. Fields are checked and written in Avro order, unknown keys removed,
 * then the object's own rules (zod's refinements) run on it, as zod runs them on its
 * output; then the type's hook, if any, and once more if it changed the object.
 */
function record(t: { name: string; fields: readonly AvroField[] }, s: ZodNode, g: Gen): string {
  const fn = `rec_${t.name.replace(/\W/g, '_')}`;
  if (g.records.has(t.name)) unsupported(`record type ${t.name} used twice`);
  g.records.set(t.name, '');
  g.named.set(t.name, t as AvroType);
  const shape = s._zod.def.shape ?? {};
  if (s._zod.def.catchall) unsupported(`object ${t.name} that keeps unknown keys`);
  const keys = t.fields.map((f) => f.name);
  const extra = Object.keys(shape).filter((k) => !keys.includes(k));
  if (extra.length > 0 || keys.some((k) => !(k in shape)))
    unsupported(`fields of ${t.name} differ: zod ${Object.keys(shape)}, Avro ${keys}`);
  const fields = t.fields.map((f) => field(f, shape[f.name]!, 'o', g)).join('');
  const known = keys.map((k) => `case ${JSON.stringify(k)}:`).join(' ');
  const name = JSON.stringify(t.name);
  g.records.set(
    t.name,
    `function ${fn}_body(o) {\n${fields}` +
      `for (const k in o) switch (k) { ${known} break; default: delete o[k]; }\n` +
      `${checks(s, 'o', g)}}\n` +
      `function ${fn}(o) {\n` +
      `if (typeof o !== 'object' || o === null || Array.isArray(o)) ${THROW}\n` +
      `const start = mark(); ${fn}_body(o);\n` +
      `const hook = hooks === undefined ? undefined : hooks[${name}];\n` +
      `if (hook !== undefined && hook(o)) { rewind(start); ${fn}_body(o); }\n}\n`,
  );
  return fn;
}

/**
 * Compiles the pass of zod object schema `schema` against Avro record schema `avro`,
 * writing `magic` and `version` before the body. Throws when the two schemas do not
 * correspond field for field, or use a form the pass does not know.
 */
export function compileRecordPass(
  schema: ZodNode,
  avro: object,
  magic: number,
  version: number,
): RecordPass {
  const g = new Gen();
  const t = g.resolve(avro as AvroType);
  if (typeof t !== 'object' || Array.isArray(t) || (t as { type: string }).type !== 'record')
    unsupported('the root must be an Avro record');
  const root = record(t as { name: string; fields: readonly AvroField[] }, schema, g);
  // every reference and writer a constant of its own: monomorphic, inlinable call sites
  const consts = g.refs.map((_, i) => `const r${i} = R[${i}];\n`).join('');
  const source =
    `'use strict';\nlet hooks;\nconst P = { value: undefined, issues: [] };\n${consts}` +
    `const { ${Object.keys(WRITERS).join(', ')} } = T;\n${[...g.records.values()].join('')}` +
    `return (value, h) => { hooks = h; try { ${root}(value); } finally { hooks = undefined; } };`;
  const run = new Function('R', 'T', 'REFUSED', source)(g.refs, WRITERS, REFUSED) as (
    value: unknown,
    hooks: RecordPassHooks | undefined,
  ) => void;
  return (value, hooks) => {
    tap.begin();
    try {
      run(value, hooks);
    } catch {
      // REFUSED, tap.MISMATCH, or a rule or hook that threw: zod decides
      return undefined;
    }
    return tap.take(magic, version);
  };
}
