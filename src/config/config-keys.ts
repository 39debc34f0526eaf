/**
 * Every key of the configuration, read off the zod schema itself (through its JSON
 * Schema), with its type, effective default, environment variable and, for keys of one
 * backend, the backends it applies to. The environment reader, `faresight config --env`
 * and the generated `docs/configuration.md` all come from here, so none repeats the schema.
 */
import { z } from 'zod';
import { configSchema } from './config.js';

/** One configurable key. */
export interface ConfigKey {
  /** Path in the config object: `['stream', 'servers']`. */
  path: string[];
  /** The FARESIGHT_ variable that sets it. */
  env: string;
  /** `string`, `integer`, `number`, `boolean`, `"a" | "b"` or `JSON` (maps and lists). */
  type: string;
  /** Effective default (JSON), or undefined when the key is required. */
  default: unknown;
  /** The `backend` values of its section it applies to; absent = all. */
  backends?: string[];
  description?: string;
}

const ENV_PREFIX = 'FARESIGHT_';

/** `['lake', 'objectStore', 'bucket']` → `FARESIGHT_LAKE_OBJECT_STORE_BUCKET`. */
export function toEnvName(path: readonly string[]): string {
  return (
    ENV_PREFIX + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')
  );
}

type JsonSchema = {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
};

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.type === 'object' || s.type === 'array') return 'JSON';
  return s.type ?? 'JSON';
}

function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const p of path)
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

let cached: ConfigKey[] | undefined;

/** Every leaf key of the schema, in schema order. */
export function configKeys(): readonly ConfigKey[] {
  if (cached) return cached;
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const defaults = configSchema.parse({});
  const out: ConfigKey[] = [];
  const byPath = new Map<string, ConfigKey>();
  const add = (path: string[], s: JsonSchema, backend?: string) => {
    const id = path.join('.');
    const known = byPath.get(id);
    if (known) {
      if (backend && known.backends) known.backends.push(backend);
      return;
    }
    const effective = getPath(defaults, path);
    const key: ConfigKey = {
      path,
      env: toEnvName(path),
      type: typeOf(s),
      default: effective !== undefined ? effective : s.default,
      ...(backend ? { backends: [backend] } : {}),
      ...(s.description ? { description: s.description } : {}),
    };
    byPath.set(id, key);
    out.push(key);
  };
  const walk = (s: JsonSchema, path: string[], backend?: string) => {
    const variants = s.oneOf ?? s.anyOf;
    if (variants) {
      const names = variants.map((v) => String(v.properties?.backend?.const));
      add([...path, 'backend'], {
        enum: names,
        ...(s.description ? { description: s.description } : {}),
      });
      for (const [i, v] of variants.entries())
        for (const [k, p] of Object.entries(v.properties ?? {}))
          if (k !== 'backend') walk(p, [...path, k], names[i]);
      return;
    }
    if (s.type === 'object' && s.properties) {
      for (const [k, p] of Object.entries(s.properties)) walk(p, [...path, k], backend);
      return;
    }
    add(path, s, backend);
  };
  walk(root, []);
  // a key every backend of its section has is common
  for (const k of out) {
    if (!k.backends) continue;
    const section = byPath.get([...k.path.slice(0, -1), 'backend'].join('.'));
    const all = section?.type.split(' | ').length ?? 0;
    if (k.backends.length === all) delete k.backends;
  }
  cached = out;
  return out;
}
