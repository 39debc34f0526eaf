/**
 * The session commands drivers and psql send that are not queries: SET, RESET, SHOW,
 * BEGIN/COMMIT/ROLLBACK, DISCARD, DEALLOCATE. The wire layer answers them itself, as
 * PostgreSQL would, so the customer session only ever sees read queries. A session is
 * read-only, so transactions are no-ops; settings that would change results (a client
 * encoding other than UTF8, a DateStyle other than ISO) are refused with a clear error
 * rather than silently ignored.
 */
import type { ResultColumn, Row } from '../query/lake-query.js';
import { identifierOf, type SqlToken, significant } from './sql-tokens.js';
import { SqlSettingError } from './wire-errors.js';

/** Version the endpoint reports (server_version, version()). */
export const SERVER_VERSION = '16.0';
export const SERVER_VERSION_NUM = '160000';

/** Settings a client may set; the value shown by SHOW until it does. */
const DEFAULTS: Readonly<Record<string, string>> = {
  application_name: '',
  client_encoding: 'UTF8',
  client_min_messages: 'notice',
  datestyle: 'ISO, MDY',
  default_transaction_isolation: 'read committed',
  default_transaction_read_only: 'on',
  extra_float_digits: '1',
  idle_in_transaction_session_timeout: '0',
  intervalstyle: 'postgres',
  lock_timeout: '0',
  search_path: 'main',
  statement_timeout: '0',
  bytea_output: 'hex',
  timezone: 'UTC',
  transaction_isolation: 'read committed',
  transaction_read_only: 'on',
  jit: 'off',
};

/** Read-only settings SHOW answers. */
const READ_ONLY: Readonly<Record<string, string>> = {
  server_version: SERVER_VERSION,
  server_version_num: SERVER_VERSION_NUM,
  server_encoding: 'UTF8',
  standard_conforming_strings: 'on',
  integer_datetimes: 'on',
  max_identifier_length: '63',
  is_superuser: 'off',
  lc_collate: 'C',
  lc_ctype: 'C',
  max_index_keys: '32',
};

/** Display names PostgreSQL uses in SHOW's column header. */
const DISPLAY: Readonly<Record<string, string>> = {
  datestyle: 'DateStyle',
  timezone: 'TimeZone',
  intervalstyle: 'IntervalStyle',
};

/** What a session command did; `rows` for SHOW. */
export interface CommandResult {
  readonly tag: string;
  readonly columns?: readonly ResultColumn[];
  readonly rows?: readonly Row[];
  /** A transaction block opens or ends (ReadyForQuery's status). */
  readonly transaction?: 'begin' | 'end';
}

/** Per-connection settings, seeded from the start-up parameters the client sent. */
export class SessionSettings {
  private readonly values = new Map<string, string>();

  constructor(startup: Readonly<Record<string, string>> = {}) {
    for (const [k, v] of Object.entries(startup)) {
      const name = k.toLowerCase();
      if (name in DEFAULTS) this.values.set(name, checkValue(name, v));
    }
  }

  /** The current value of a setting, or undefined for an unknown one. */
  get(name: string): string | undefined {
    const n = name.toLowerCase();
    return READ_ONLY[n] ?? this.values.get(n) ?? DEFAULTS[n];
  }

  set(name: string, value: string | undefined): void {
    const n = name.toLowerCase();
    if (n in READ_ONLY) throw new SqlSettingError(`parameter "${name}" cannot be changed`, '22023');
    if (!(n in DEFAULTS))
      throw new SqlSettingError(`unrecognized configuration parameter "${name}"`, '42704');
    if (value === undefined) this.values.delete(n);
    else this.values.set(n, checkValue(n, value));
  }

  /** An independent copy (to try a command without applying it). */
  copy(): SessionSettings {
    const c = new SessionSettings();
    for (const [k, v] of this.values) c.values.set(k, v);
    return c;
  }

  resetAll(): void {
    this.values.clear();
  }

  all(): [string, string][] {
    const names = [...new Set([...Object.keys(DEFAULTS), ...Object.keys(READ_ONLY)])].sort();
    return names.map((n) => [DISPLAY[n] ?? n, this.get(n) ?? '']);
  }
}

function checkValue(name: string, value: string): string {
  if (name === 'client_encoding' && !/^(utf-?8|unicode)$/i.test(value.trim()))
    throw new SqlSettingError(
      `client_encoding "${value}" is not supported: the endpoint speaks UTF8 only`,
      '22023',
    );
  if (name === 'datestyle' && !/^\s*iso\b/i.test(value))
    throw new SqlSettingError(
      `DateStyle "${value}" is not supported: dates are sent in ISO format`,
      '22023',
    );
  return value;
}

const word = (t: SqlToken | undefined) => (t?.kind === 'word' ? t.text.toLowerCase() : undefined);

/** The value tokens of SET (a list: `a, b`), as PostgreSQL joins them. */
function valueText(tokens: readonly SqlToken[]): string {
  const parts: string[] = [];
  let current = '';
  for (const t of tokens) {
    if (t.kind === 'other' && t.text === ',') {
      parts.push(current);
      current = '';
    } else if (t.kind === 'string') current += t.text.slice(1, -1).replaceAll("''", "'");
    else current += identifierOf(t) ?? t.text;
  }
  parts.push(current);
  return parts.join(', ');
}

/**
 * Answers `sql` when it is a session command; undefined for anything else (a query for
 * the session). Throws SqlSettingError for an unknown or refused setting.
 */
export function sessionCommand(sql: string, settings: SessionSettings): CommandResult | undefined {
  const tokens = significant(sql);
  while (tokens.length && tokens.at(-1)?.kind === 'other' && tokens.at(-1)?.text === ';')
    tokens.pop();
  const first = word(tokens[0]);
  const second = word(tokens[1]);
  switch (first) {
    case 'begin':
    case 'start':
      if (first === 'start' && second !== 'transaction') return undefined;
      return { tag: first === 'begin' ? 'BEGIN' : 'START TRANSACTION', transaction: 'begin' };
    case 'commit':
    case 'end':
      return { tag: 'COMMIT', transaction: 'end' };
    case 'rollback':
    case 'abort':
      return { tag: 'ROLLBACK', transaction: 'end' };
    case 'discard':
      settings.resetAll();
      return { tag: `DISCARD ${(second ?? 'all').toUpperCase()}` };
    case 'deallocate':
      return { tag: 'DEALLOCATE' };
    case 'reset': {
      if (second === 'all') settings.resetAll();
      else if (tokens[1]) settings.set(identifierOf(tokens[1]) ?? '', undefined);
      return { tag: 'RESET' };
    }
    case 'set':
      return setCommand(tokens.slice(1), settings);
    case 'show': {
      const name = tokens
        .slice(1)
        .map((t) => identifierOf(t) ?? t.text)
        .join('');
      if (name === 'all') {
        return {
          tag: 'SHOW',
          columns: [
            { name: 'name', type: 'VARCHAR' },
            { name: 'setting', type: 'VARCHAR' },
          ],
          rows: settings.all().map(([n, v]) => ({ name: n, setting: v })),
        };
      }
      const value = settings.get(name);
      if (value === undefined)
        throw new SqlSettingError(`unrecognized configuration parameter "${name}"`, '42704');
      const column = DISPLAY[name] ?? name;
      return {
        tag: 'SHOW',
        columns: [{ name: column, type: 'VARCHAR' }],
        rows: [{ [column]: value }],
      };
    }
    default:
      return undefined;
  }
}

function setCommand(tokens: SqlToken[], settings: SessionSettings): CommandResult {
  let rest = tokens;
  if (word(rest[0]) === 'session' || word(rest[0]) === 'local') {
    if (word(rest[1]) === 'characteristics' || word(rest[1]) === 'authorization') {
      if (word(rest[1]) === 'authorization')
        throw new SqlSettingError('SET SESSION AUTHORIZATION is not supported', '0A000');
      return { tag: 'SET' }; // SET SESSION CHARACTERISTICS AS TRANSACTION ...: read-only anyway
    }
    rest = rest.slice(1);
  }
  if (word(rest[0]) === 'transaction') return { tag: 'SET' };
  if (word(rest[0]) === 'role' || word(rest[0]) === 'authorization')
    throw new SqlSettingError(`SET ${word(rest[0])!.toUpperCase()} is not supported`, '0A000');
  if (word(rest[0]) === 'time' && word(rest[1]) === 'zone') {
    settings.set('timezone', valueText(rest.slice(2)));
    return { tag: 'SET' };
  }
  if (word(rest[0]) === 'names') {
    settings.set('client_encoding', valueText(rest.slice(1)));
    return { tag: 'SET' };
  }
  const name = rest[0] ? identifierOf(rest[0]) : undefined;
  const op = rest[1];
  if (!name || !op || !((op.kind === 'other' && op.text === '=') || word(op) === 'to'))
    throw new SqlSettingError('SET needs a parameter name, then = or TO and a value', '22023');
  const value = rest.slice(2);
  settings.set(
    name,
    word(value[0]) === 'default' && value.length === 1 ? undefined : valueText(value),
  );
  return { tag: 'SET' };
}
