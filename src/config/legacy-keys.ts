/**
 * Keys of the flat configuration used before each backend had its own section
 * (`stream.kinesisRegion`, `lake.s3Bucket`, `rowStore.postgresUrl`, ...). They are still
 * read, file and environment alike, and moved to their new keys with a deprecation
 * warning naming the new key; a key of a backend other than the chosen one is dropped
 * with a warning, as it was ignored before.
 */
import { toEnvName } from './config-keys.js';

/** A section that names its backend, and the backend chosen when it names none. */
const SECTIONS = {
  stream: 'embedded',
  'lake.objectStore': 'local',
  rowStore: 'pglite',
  cache: 'memory',
} as const;
type Section = keyof typeof SECTIONS;

/** A key that moved (`from` → `to`) or that only one backend of its section has. */
interface LegacyKey {
  from: string;
  to: string;
  section: Section;
  backend: string;
}

/** Today's flat keys and where they went. */
export const LEGACY_KEYS: readonly LegacyKey[] = [
  {
    from: 'stream.jetstreamServers',
    to: 'stream.servers',
    section: 'stream',
    backend: 'jetstream',
  },
  { from: 'stream.kinesisRegion', to: 'stream.region', section: 'stream', backend: 'kinesis' },
  { from: 'stream.kinesisEndpoint', to: 'stream.endpoint', section: 'stream', backend: 'kinesis' },
  ...(['Bucket', 'Prefix', 'Region', 'Endpoint', 'ForcePathStyle'] as const).map((k) => ({
    from: `lake.s3${k}`,
    to: `lake.objectStore.${k[0]!.toLowerCase()}${k.slice(1)}`,
    section: 'lake.objectStore' as const,
    backend: 's3',
  })),
  { from: 'rowStore.postgresUrl', to: 'rowStore.url', section: 'rowStore', backend: 'postgres' },
  { from: 'cache.redisUrl', to: 'cache.url', section: 'cache', backend: 'redis' },
  { from: 'cache.redisPrefix', to: 'cache.prefix', section: 'cache', backend: 'redis' },
  // kept under its name, but a redis cache has no LRU: once accepted and ignored
  { from: 'cache.maxEntries', to: 'cache.maxEntries', section: 'cache', backend: 'memory' },
];

/** `lake.objectStore: "s3"` (a string) was the backend's name; now `lake.objectStore.backend`. */
const OBJECT_STORE = 'lake.objectStore';

/**
 * Legacy FARESIGHT_ variables: name → the new key path they set, or the legacy key path
 * `migrateLegacyKeys` moves.
 */
export const LEGACY_ENV: ReadonlyMap<string, { path: string[]; to: string }> = new Map([
  [
    toEnvName(OBJECT_STORE.split('.')),
    { path: ['lake', 'objectStore', 'backend'], to: `${OBJECT_STORE}.backend` },
  ],
  ...LEGACY_KEYS.filter((k) => k.from !== k.to).map(
    (k) => [toEnvName(k.from.split('.')), { path: k.from.split('.'), to: k.to }] as const,
  ),
]);

function get(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.'))
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

function parentOf(obj: Record<string, unknown>, path: string, create: boolean) {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (!next || typeof next !== 'object' || Array.isArray(next)) {
      if (!create) return undefined;
      cur[p] = {};
    }
    cur = cur[p] as Record<string, unknown>;
  }
  return { obj: cur, key: parts[parts.length - 1]! };
}

/**
 * Moves legacy keys of `raw` (file, environment and flags merged) to their new keys, in
 * place, and returns one warning per legacy key found. `fromEnv` maps a legacy key to the
 * variable that set it, so that its warning names the variable to use instead.
 */
export function migrateLegacyKeys(
  raw: Record<string, unknown>,
  fromEnv: ReadonlyMap<string, string> = new Map(),
): string[] {
  const warnings: string[] = [];
  const lake = raw.lake as Record<string, unknown> | undefined;
  if (lake && typeof lake.objectStore === 'string') {
    warnings.push(
      `config key ${OBJECT_STORE}: ${JSON.stringify(lake.objectStore)} is deprecated: use ${OBJECT_STORE}.backend: ${JSON.stringify(lake.objectStore)}`,
    );
    lake.objectStore = { backend: lake.objectStore };
  }
  for (const k of LEGACY_KEYS) {
    const at = parentOf(raw, k.from, false);
    if (!at || !(at.key in at.obj)) continue;
    const value = at.obj[at.key];
    const chosen = (get(raw, `${k.section}.backend`) as string | undefined) ?? SECTIONS[k.section];
    const env = fromEnv.get(k.from);
    const named = env ? `${env} (${k.from})` : `config key ${k.from}`;
    const moved = k.from !== k.to;
    const use = moved ? `use ${env ? `${toEnvName(k.to.split('.'))} (${k.to})` : k.to}` : '';
    if (chosen !== k.backend) {
      delete at.obj[at.key];
      warnings.push(
        `${named} ${moved ? `is deprecated (${use}) and ` : ''}is ignored: it applies to ${k.section}.backend "${k.backend}", not "${chosen}"`,
      );
      continue;
    }
    if (!moved) continue;
    delete at.obj[at.key];
    const to = parentOf(raw, k.to, true)!;
    if (to.key in to.obj) {
      warnings.push(`${named} is deprecated and ignored: ${k.to} is set too, and wins`);
      continue;
    }
    to.obj[to.key] = value;
    warnings.push(`${named} is deprecated: ${use}`);
  }
  return warnings;
}
