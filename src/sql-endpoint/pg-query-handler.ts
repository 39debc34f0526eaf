/**
 * One client connection's query handling, simple and extended protocol alike: session
 * commands are answered here (session-commands.ts), statements that name one of the
 * customer's relations run in the CustomerSession, and every other statement (catalog
 * reads, `SELECT version()`, anything naming no relation of the customer) runs in the
 * connection's CatalogSession, opened on first use. The extended protocol keeps named
 * statements and portals; after an error it skips to Sync, as PostgreSQL does.
 */
import type { ResultColumn, Row } from '../query/lake-query.js';
import { type BoundValue, bindParameters, parameterCount } from './bind-parameters.js';
import type { CatalogFactory, CatalogSession } from './catalog-session.js';
import type { CustomerSession, SessionResult } from './customer-session.js';
import { readBind, readExecute, readParse, readQuery, readTarget } from './pg-frontend-messages.js';
import {
  bindComplete,
  closeComplete,
  columnFormats,
  commandComplete,
  dataRow,
  emptyQueryResponse,
  noData,
  parameterDescription,
  parseComplete,
  portalSuspended,
  rowDescription,
} from './pg-messages.js';
import { type CommandResult, type SessionSettings, sessionCommand } from './session-commands.js';
import { identifierOf, isEmptyStatement, significant, tokenize } from './sql-tokens.js';
import { SqlProtocolError } from './wire-errors.js';

/** What running one statement produced. */
type Outcome =
  | { kind: 'rows'; columns: readonly ResultColumn[]; rows: readonly Row[]; tag: string }
  | { kind: 'command'; tag: string; transaction?: 'begin' | 'end' }
  | { kind: 'empty' };

interface Statement {
  readonly sql: string;
  readonly paramTypes: readonly number[];
}

interface Portal {
  readonly sql: string;
  readonly formats: readonly number[];
  outcome?: Outcome;
  sent: number;
}

/** Where the handler writes; pg-gateway's connection in production. */
export interface WireOutput {
  send(data: Buffer): void;
  sendError(err: unknown): void;
  sendReady(status: 'idle' | 'transaction' | 'error'): void;
}

const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

/**
 * Names that only the catalog answers: its relations (pg_class, information_schema, ...)
 * and the PostgreSQL functions drivers call (version(), current_database(), ...).
 */
const CATALOG_NAMES = new Set([
  'information_schema',
  'pg_catalog',
  'version',
  'current_database',
  'current_catalog',
  'current_schema',
  'current_schemas',
  'current_user',
  'session_user',
  'format_type',
  'obj_description',
  'col_description',
  'shobj_description',
]);

/** True when `sql` names the catalog: one of CATALOG_NAMES, or a `pg_`/`has_..._privilege` name. */
export function namesCatalog(sql: string): boolean {
  for (const t of tokenize(sql)) {
    const id = identifierOf(t);
    if (id === undefined) continue;
    const name = t.kind === 'quoted' ? id.toLowerCase() : id;
    if (CATALOG_NAMES.has(name) || name.startsWith('pg_') || /^has_\w+_privilege$/.test(name))
      return true;
  }
  return false;
}

/** True when `sql` names one of `relations` as an identifier (never inside a string or comment). */
export function namesRelation(sql: string, relations: ReadonlySet<string>): boolean {
  for (const t of tokenize(sql)) {
    const id = identifierOf(t);
    if (id !== undefined && relations.has(t.kind === 'quoted' ? id.toLowerCase() : id)) return true;
  }
  return false;
}

const S_QUERY = 0x51;
const S_PARSE = 0x50;
const S_BIND = 0x42;
const S_DESCRIBE = 0x44;
const S_EXECUTE = 0x45;
const S_CLOSE = 0x43;
const S_SYNC = 0x53;
const S_FLUSH = 0x48;

/** Handles the messages of one authenticated connection. */
export class PgQueryHandler {
  private readonly statements = new Map<string, Statement>();
  private readonly portals = new Map<string, Portal>();
  private catalog: Promise<CatalogSession> | undefined;
  private inTransaction = false;
  private failedTransaction = false;
  private skipToSync = false;

  constructor(
    private readonly session: Promise<CustomerSession>,
    private readonly openCatalog: CatalogFactory,
    private readonly settings: SessionSettings,
    private readonly database: string,
    private readonly out: WireOutput,
  ) {}

  private status(): 'idle' | 'transaction' | 'error' {
    if (this.failedTransaction) return 'error';
    return this.inTransaction ? 'transaction' : 'idle';
  }

  /** Handles one frontend message (anything but Terminate). */
  async handle(data: Uint8Array): Promise<void> {
    const code = data[0];
    if (code === S_QUERY) {
      await this.simpleQuery(readQuery(data));
      return;
    }
    if (code === S_SYNC) {
      this.skipToSync = false;
      this.portals.delete('');
      this.out.sendReady(this.status());
      return;
    }
    if (code === S_FLUSH || this.skipToSync) return;
    try {
      if (![S_PARSE, S_BIND, S_DESCRIBE, S_EXECUTE, S_CLOSE].includes(code ?? -1))
        throw new SqlProtocolError(
          `message type '${String.fromCharCode(code ?? 0)}' is not supported (function calls and COPY are not)`,
          '08P01',
        );
      await this.extended(code!, data);
    } catch (err) {
      this.fail(err);
      this.skipToSync = true;
    }
  }

  private fail(err: unknown): void {
    if (this.inTransaction) this.failedTransaction = true;
    this.out.sendError(err);
  }

  private async simpleQuery(sql: string): Promise<void> {
    try {
      const outcome = await this.run(sql);
      const out: Buffer[] = [];
      if (outcome.kind === 'rows') out.push(rowDescription(outcome.columns));
      out.push(...this.rows(outcome, [], 0, 0).messages);
      this.out.send(Buffer.concat(out));
    } catch (err) {
      this.fail(err);
    }
    this.out.sendReady(this.status());
  }

  private async extended(code: number, data: Uint8Array): Promise<void> {
    switch (code) {
      case S_PARSE: {
        const m = readParse(data);
        if (m.name !== '' && this.statements.has(m.name))
          throw new SqlProtocolError(`prepared statement "${m.name}" already exists`, '26000');
        const n = Math.max(parameterCount(m.sql), m.paramTypes.length);
        this.statements.set(m.name, {
          sql: m.sql,
          paramTypes: Array.from({ length: n }, (_, i) => m.paramTypes[i] ?? 0),
        });
        this.out.send(parseComplete());
        return;
      }
      case S_BIND: {
        const m = readBind(data);
        const stmt = this.statement(m.statement);
        if (m.values.length !== stmt.paramTypes.length)
          throw new SqlProtocolError(
            `bind message supplies ${m.values.length} parameters, but the prepared statement requires ${stmt.paramTypes.length}`,
            '08P01',
          );
        const values: BoundValue[] = m.values.map((value, i) => ({
          value,
          format: m.paramFormats.length === 1 ? m.paramFormats[0]! : (m.paramFormats[i] ?? 0),
          oid: stmt.paramTypes[i] ?? 0,
        }));
        if (m.portal !== '' && this.portals.has(m.portal))
          throw new SqlProtocolError(`portal "${m.portal}" already exists`, '34000');
        this.portals.set(m.portal, {
          sql: bindParameters(stmt.sql, values),
          formats: m.resultFormats,
          sent: 0,
        });
        this.out.send(bindComplete());
        return;
      }
      case S_DESCRIBE: {
        const m = readTarget(data);
        if (m.kind === 'S') {
          const stmt = this.statement(m.name);
          const described = await this.describeStatement(stmt);
          this.out.send(
            Buffer.concat([
              parameterDescription(stmt.paramTypes.map((t) => t || 25)),
              described ? rowDescription(described) : noData(),
            ]),
          );
        } else {
          const portal = this.portal(m.name);
          portal.outcome ??= await this.run(portal.sql);
          const o = portal.outcome;
          this.out.send(
            o.kind === 'rows'
              ? rowDescription(o.columns, columnFormats(portal.formats, o.columns.length))
              : noData(),
          );
        }
        return;
      }
      case S_EXECUTE: {
        const m = readExecute(data);
        const portal = this.portal(m.portal);
        portal.outcome ??= await this.run(portal.sql);
        const formats =
          portal.outcome.kind === 'rows'
            ? columnFormats(portal.formats, portal.outcome.columns.length)
            : [];
        const { messages, sent } = this.rows(portal.outcome, formats, portal.sent, m.maxRows);
        portal.sent = sent;
        this.out.send(Buffer.concat(messages));
        return;
      }
      case S_CLOSE: {
        const m = readTarget(data);
        if (m.kind === 'S') this.statements.delete(m.name);
        else this.portals.delete(m.name);
        this.out.send(closeComplete());
        return;
      }
    }
  }

  private statement(name: string): Statement {
    const s = this.statements.get(name);
    if (!s) throw new SqlProtocolError(`prepared statement "${name}" does not exist`, '26000');
    return s;
  }

  private portal(name: string): Portal {
    const p = this.portals.get(name);
    if (!p) throw new SqlProtocolError(`portal "${name}" does not exist`, '34000');
    return p;
  }

  /**
   * The columns a prepared statement returns, before it is bound: the statement runs
   * with NULL parameters under `LIMIT 0` when it is a query.
   */
  private async describeStatement(stmt: Statement): Promise<readonly ResultColumn[] | undefined> {
    const nulls = stmt.paramTypes.map((oid) => ({ value: null, format: 0, oid }));
    const sql = bindParameters(stmt.sql, nulls);
    if (isEmptyStatement(sql)) return undefined;
    const first = identifierOf(significant(sql)[0] ?? { kind: 'other', text: '' });
    const probe = sessionCommand(sql, this.settings.copy());
    if (probe) return probe.columns;
    const wrapped =
      first === 'select' || first === 'with' || first === 'values'
        ? `SELECT * FROM (\n${sql.replace(/;\s*$/, '')}\n) AS described LIMIT 0`
        : sql;
    const r = await this.query(wrapped);
    return r.columns;
  }

  /** DataRows from `from`, at most `max` (0 = all), then CommandComplete or PortalSuspended. */
  private rows(
    o: Outcome,
    formats: readonly number[],
    from: number,
    max: number,
  ): { messages: Buffer[]; sent: number } {
    if (o.kind === 'empty') return { messages: [emptyQueryResponse()], sent: 0 };
    if (o.kind === 'command') {
      if (from === 0) this.apply(o);
      return { messages: [commandComplete(o.tag)], sent: 1 };
    }
    const end = max > 0 ? Math.min(o.rows.length, from + max) : o.rows.length;
    const messages = o.rows.slice(from, end).map((r) => dataRow(o.columns, r, formats));
    messages.push(end < o.rows.length ? portalSuspended() : commandComplete(o.tag));
    return { messages, sent: end };
  }

  private apply(o: { transaction?: 'begin' | 'end' }): void {
    if (o.transaction === 'begin') this.inTransaction = true;
    if (o.transaction === 'end') {
      this.inTransaction = false;
      this.failedTransaction = false;
    }
  }

  private async run(sql: string): Promise<Outcome> {
    if (isEmptyStatement(sql)) return { kind: 'empty' };
    const cmd: CommandResult | undefined = sessionCommand(sql, this.settings);
    if (this.failedTransaction && cmd?.transaction !== 'end')
      throw Object.assign(
        new Error(
          'current transaction is aborted, commands ignored until end of transaction block',
        ),
        { sqlState: '25P02' },
      );
    if (cmd?.columns)
      return { kind: 'rows', columns: cmd.columns, rows: cmd.rows ?? [], tag: cmd.tag };
    if (cmd)
      return {
        kind: 'command',
        tag: cmd.tag,
        ...(cmd.transaction ? { transaction: cmd.transaction } : {}),
      };
    const r = await this.query(sql);
    return { kind: 'rows', columns: r.columns, rows: r.rows, tag: `SELECT ${r.rows.length}` };
  }

  /**
   * Runs a query where it belongs: a statement that names one of the customer's
   * relations, or names nothing of the catalog (`SELECT 1`, a computation), runs in the
   * customer's session with its limits; any other in the catalog.
   */
  private async query(sql: string): Promise<SessionResult> {
    const session = await this.session;
    if (namesRelation(sql, new Set(session.relations)) || !namesCatalog(sql))
      return session.query(sql);
    if (!this.catalog) {
      this.catalog = this.openCatalogOf(session);
      this.catalog.catch(() => {
        this.catalog = undefined; // the next catalog query tries again
      });
    }
    return (await this.catalog).query(sql);
  }

  private async openCatalogOf(session: CustomerSession): Promise<CatalogSession> {
    const relations = [];
    for (const name of session.relations) {
      const r = await session.query(`SELECT * FROM ${ident(name)} LIMIT 0`);
      relations.push({ name, columns: r.columns });
    }
    return this.openCatalog({ database: this.database, user: session.customer, relations });
  }

  /** Closes the catalog, if one was opened. */
  async close(): Promise<void> {
    const c = this.catalog;
    this.catalog = undefined;
    if (c) await (await c).close();
  }
}
