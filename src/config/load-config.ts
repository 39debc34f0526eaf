import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { distance } from 'fastest-levenshtein';
import YAML from 'yaml';
import { formatPath } from '../model/validate.js';
import { type Config, configSchema } from './config.js';
import { configKeys, toEnvName } from './config-keys.js';
import { ConfigError } from './errors.js';
import { LEGACY_ENV, migrateLegacyKeys } from './legacy-keys.js';

/** Config files looked for in the working directory, in this order. */
export const CONFIG_FILES = [
  'faresight.config.json',
  'faresight.config.yaml',
  'faresight.config.yml',
];
const ENV_PREFIX = 'FARESIGHT_';
/**
 * Variables with the prefix that are not config keys: the config file's path, and the
 * vendor secret `faresight generate` and `faresight vendor-token` read (secrets never go
 * on the command line, where `ps` shows them).
 */
export const NON_CONFIG_ENV = ['FARESIGHT_CONFIG', 'FARESIGHT_VENDOR_TOKEN'] as const;

/** Turns a variable's text into the key's type; what does not fit is left to the schema to reject. */
function coerce(name: string, raw: string, type: string): unknown {
  if (type === 'JSON') {
    try {
      return JSON.parse(raw);
    } catch (err) {
      throw new ConfigError(`${name} must hold JSON: ${(err as Error).message}`);
    }
  }
  if (type === 'number' || type === 'integer') {
    const n = Number(raw);
    return raw.trim() === '' || Number.isNaN(n) ? raw : n;
  }
  if (type === 'boolean') {
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    return raw;
  }
  return raw;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown) {
  let obj = target;
  for (const p of path.slice(0, -1)) {
    if (!obj[p] || typeof obj[p] !== 'object') obj[p] = {};
    obj = obj[p] as Record<string, unknown>;
  }
  obj[path[path.length - 1]!] = value;
}

function getPath(obj: unknown, path: PropertyKey[]): unknown {
  let cur = obj;
  for (const p of path)
    cur = cur && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[p] : undefined;
  return cur;
}

/**
 * The error for an unknown FARESIGHT_ variable: the closest known names (by edit
 * distance) rather than all of them, and where the full list is.
 */
function unknownEnvMessage(name: string, known: readonly string[]): string {
  const ranked = known
    .map((k) => ({ k, d: distance(name, k) }))
    .filter((x) => x.d <= Math.max(3, Math.floor(name.length / 4)))
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, 3)
    .map((x) => x.k);
  const hint = ranked.length > 0 ? `did you mean ${ranked.join(' or ')}? ` : '';
  return `unknown environment variable ${name}: ${hint}\`faresight config --env\` lists all ${known.length}`;
}

/** Where the effective config came from, for `faresight config`. */
export interface LoadedConfig {
  config: Config;
  file: string | undefined;
  env: string[];
  /** One line per deprecated key or variable found, naming the key to use instead. */
  warnings: string[];
}

/**
 * Reads the config file (`file`, else `FARESIGHT_CONFIG`, else the first of CONFIG_FILES
 * in `cwd`), overlays `FARESIGHT_*` variables, applies defaults and validates. Throws
 * ConfigError naming the field and the bad value; an unknown FARESIGHT_ variable is an
 * error too, so that a typo is not silently ignored.
 */
export function loadConfig(
  opts: {
    file?: string;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    overrides?: Record<string, unknown>;
  } = {},
): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  let file = opts.file ?? env.FARESIGHT_CONFIG;
  if (!file) file = CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, file), 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    try {
      const parsed = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
      raw = parsed ?? {};
    } catch (err) {
      throw new ConfigError(
        `config file ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
      );
    }
    if (typeof raw !== 'object' || Array.isArray(raw))
      throw new ConfigError(`config file ${file} must hold an object`);
  }
  const byEnv = new Map(configKeys().map((k) => [k.env, k]));
  const used: string[] = [];
  const legacyFromEnv = new Map<string, string>();
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (
      !name.startsWith(ENV_PREFIX) ||
      (NON_CONFIG_ENV as readonly string[]).includes(name) ||
      value === undefined
    )
      continue;
    const k = byEnv.get(name);
    const legacy = LEGACY_ENV.get(name);
    if (legacy) {
      const type = byEnv.get(toEnvName(legacy.to.split('.')))?.type ?? 'string';
      setPath(raw, legacy.path, coerce(name, value, type));
      const from = legacy.path.join('.');
      if (from === legacy.to)
        warnings.push(`${name} is deprecated: use ${toEnvName(legacy.path)} (${legacy.to})`);
      else legacyFromEnv.set(from, name);
    } else if (k) setPath(raw, k.path, coerce(name, value, k.type));
    else throw new ConfigError(unknownEnvMessage(name, [...byEnv.keys()]));
    used.push(name);
  }
  for (const [path, value] of Object.entries(opts.overrides ?? {})) {
    if (value !== undefined) setPath(raw, path.split('.'), value);
  }
  warnings.push(...migrateLegacyKeys(raw, legacyFromEnv));
  const result = configSchema.strict().safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = formatPath(issue.path);
    const bad =
      issue.code === 'unrecognized_keys'
        ? issue.keys.join(', ')
        : JSON.stringify(getPath(raw, issue.path));
    throw new ConfigError(`config ${where}: ${issue.message} (got ${bad})`);
  }
  return { config: Object.freeze(result.data), file, env: used, warnings };
}
