/**
 * Text generated from the configuration schema: `docs/configuration.md` (every key, its
 * type, default and environment variable) and the defaults the CLI help quotes. Nothing
 * here is written by hand twice; a test fails when the committed document is stale.
 */
import { type ConfigKey, configKeys, toEnvName } from './config-keys.js';
import { LEGACY_ENV, LEGACY_KEYS } from './legacy-keys.js';

/** The command that rewrites docs/configuration.md. */
export const REFERENCE_COMMAND =
  'node bin/faresight.mjs config --reference > docs/configuration.md';

function key(path: string): ConfigKey {
  const k = configKeys().find((c) => c.path.join('.') === path);
  if (!k) throw new Error(`no config key ${path}`);
  return k;
}

function show(v: unknown): string {
  if (v === undefined) return '(required)';
  return typeof v === 'string' && v !== '' ? v : JSON.stringify(v);
}

/** Help text naming the key a flag overrides and its default: `config api.port, default 8080`. */
export function configHelp(path: string): string {
  return `config ${path}, default ${show(key(path).default)}`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** The Markdown of docs/configuration.md. */
export function renderConfigReference(): string {
  const lines = [
    '# Configuration reference',
    '',
    `<!-- generated from src/config/config.ts; do not edit: ${REFERENCE_COMMAND} -->`,
    '',
    'Keys are read from `faresight.config.json` / `.yaml` (or `--config`, `FARESIGHT_CONFIG`),',
    'then from the environment variable of each key, which wins. A section with a `backend`',
    'key takes the keys of the backend it names, and only those. `faresight config` prints',
    'the effective configuration.',
    '',
  ];
  const sections = new Map<string, ConfigKey[]>();
  for (const k of configKeys()) {
    const s = k.path.length > 1 ? k.path[0]! : '(top level)';
    sections.set(s, [...(sections.get(s) ?? []), k]);
  }
  for (const [section, keys] of sections) {
    lines.push(`## ${section}`, '');
    lines.push('| key | type | default | environment variable | backend | description |');
    lines.push('|---|---|---|---|---|---|');
    for (const k of keys)
      lines.push(
        `| \`${k.path.join('.')}\` | ${cell(k.type)} | \`${cell(show(k.default))}\` | \`${k.env}\` | ${k.backends?.join(', ') ?? ''} | ${cell(k.description ?? '')} |`,
      );
    lines.push('');
  }
  lines.push(
    '## Deprecated keys',
    '',
    'Still read, with a warning naming the new key; a key of a backend other than the',
    'chosen one is ignored (with a warning), as it was before.',
    '',
    '| old key | old variable | new key | new variable |',
    '|---|---|---|---|',
    '| `lake.objectStore: "<name>"` | `FARESIGHT_LAKE_OBJECT_STORE` | `lake.objectStore.backend` | `FARESIGHT_LAKE_OBJECT_STORE_BACKEND` |',
  );
  for (const k of LEGACY_KEYS.filter((l) => l.from !== l.to)) {
    const env = [...LEGACY_ENV].find(([, v]) => v.path.join('.') === k.from)?.[0] ?? '';
    lines.push(`| \`${k.from}\` | \`${env}\` | \`${k.to}\` | \`${toEnvName(k.to.split('.'))}\` |`);
  }
  lines.push('');
  return lines.join('\n');
}
