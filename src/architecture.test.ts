/**
 * The import graph of `src/` as rooms (issue 17): each top-level folder is a room, and
 * this test fails on a folder cycle (tests included) or on an import that breaks the
 * rules of docs/architecture.md. The specifiers are read with TypeScript's own
 * pre-processor (imports, `export ... from`, dynamic `import()`), not with a regex.
 *
 * What cannot pass yet is listed in ALLOWED_EDGES / ALLOWED_IMPORTS, each with its
 * reason. The lists can only shrink: an entry that is no longer needed fails the test,
 * so whoever removes the last import behind it removes the entry too.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One source file: its path relative to `src/` and the specifiers it imports. */
interface SourceFile {
  readonly file: string;
  readonly specifiers: readonly string[];
}

/** An import of one file that crosses from one room into another. */
interface Crossing {
  readonly file: string;
  readonly specifier: string;
  readonly from: string;
  readonly to: string;
}

/** A rule over single imports; `applies` false = the rule does not look at that file. */
interface Rule {
  readonly name: string;
  readonly applies?: (file: string) => boolean;
  /** The reason the import is forbidden, or undefined when it is fine. */
  readonly check: (imp: {
    file: string;
    specifier: string;
    from: string;
    to?: string;
  }) => string | undefined;
}

/** A finding: a rule broken by one import. */
interface Violation {
  readonly rule: string;
  readonly file: string;
  readonly specifier: string;
  readonly reason: string;
}

const SRC = path.dirname(fileURLToPath(import.meta.url));

/** The room of a path relative to `src/`: its first folder (`.` for a file at the top). */
function roomOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 1 ? (parts[0] as string) : '.';
}

const isTestCode = (file: string) =>
  /\.test\.ts$/.test(file) || file.split('/').includes('testing');

/** Reads every `.ts` file under `dir` with its import specifiers. */
function readSources(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(c|m)?ts$/.test(e.name) && !e.name.endsWith('.d.ts')) {
        const info = ts.preProcessFile(readFileSync(p, 'utf8'), true, true);
        out.push({
          file: path.relative(dir, p).split(path.sep).join('/'),
          specifiers: info.importedFiles.map((f) => f.fileName),
        });
      }
    }
  };
  walk(dir);
  return out;
}

/** The room a relative specifier of `file` lands in; undefined for a package or node: module. */
function targetRoom(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  if (target.startsWith('..')) return undefined;
  return roomOf(target);
}

/** Every import that crosses from one room into another. */
function crossings(sources: readonly SourceFile[]): Crossing[] {
  const out: Crossing[] = [];
  for (const s of sources)
    for (const specifier of s.specifiers) {
      const to = targetRoom(s.file, specifier);
      const from = roomOf(s.file);
      if (to !== undefined && to !== from) out.push({ file: s.file, specifier, from, to });
    }
  return out;
}

/**
 * The folder cycles of the graph, once the `allowed` edges (`from -> to`) are taken out:
 * each strongly connected set of two or more rooms, with the crossings inside it.
 */
function folderCycles(
  sources: readonly SourceFile[],
  allowed: ReadonlySet<string> = new Set(),
): { rooms: string[]; edges: string[] }[] {
  const cross = crossings(sources).filter((c) => !allowed.has(`${c.from} -> ${c.to}`));
  const next = new Map<string, Set<string>>();
  for (const c of cross) {
    if (!next.has(c.from)) next.set(c.from, new Set());
    next.get(c.from)?.add(c.to);
    if (!next.has(c.to)) next.set(c.to, new Set());
  }
  // Tarjan's strongly connected components.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const sccs: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) sccs.push(scc.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!idx.has(v)) visit(v);
  return sccs.map((rooms) => ({
    rooms,
    edges: cross
      .filter((c) => rooms.includes(c.from) && rooms.includes(c.to))
      .map((c) => `${c.from} -> ${c.to}: ${c.file} imports ${c.specifier}`),
  }));
}

const IO_MODULES =
  /^(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads)$/;
const DB_CLIENTS = /^(pg|ioredis|nats|better-sqlite3|@electric-sql\/pglite|@duckdb\/|@aws-sdk\/)/;

/** The rules of docs/architecture.md, one per line there. */
const RULES: readonly Rule[] = [
  {
    name: 'model and ops import no other folder',
    check: ({ from, to }) =>
      (from === 'model' || from === 'ops') && to !== undefined && to !== from
        ? `${from}/ is a leaf: it imports no other folder (${to}/)`
        : undefined,
  },
  {
    name: 'vendors do no I/O',
    // Tests and their kits read fixture files; the adapters themselves stay pure.
    applies: (file) => !isTestCode(file),
    check: ({ from, specifier }) =>
      from === 'vendors' && (IO_MODULES.test(specifier) || DB_CLIENTS.test(specifier))
        ? `vendor adapters are pure functions of the payload; ${specifier} does I/O`
        : undefined,
  },
  {
    name: 'analytics imports no HTTP framework',
    check: ({ from, specifier }) =>
      from === 'analytics' && /^(fastify|@fastify\/)/.test(specifier)
        ? 'analytics exposes functions; routes live under api/'
        : undefined,
  },
  {
    name: 'lake and realtime never import each other',
    check: ({ from, to }) =>
      (from === 'lake' && to === 'realtime') || (from === 'realtime' && to === 'lake')
        ? 'the lake writer and the real-time runner are independent consumers of the stream'
        : undefined,
  },
  {
    name: 'nothing imports cli/',
    check: ({ from, to }) =>
      to === 'cli' && from !== 'cli'
        ? 'cli/ is the composition root: it imports the rooms, never the other way'
        : undefined,
  },
];

/** Every import of `sources` that breaks one of `rules`. */
function violations(sources: readonly SourceFile[], rules: readonly Rule[] = RULES): Violation[] {
  const out: Violation[] = [];
  for (const s of sources)
    for (const specifier of s.specifiers)
      for (const rule of rules) {
        if (rule.applies && !rule.applies(s.file)) continue;
        const to = targetRoom(s.file, specifier);
        const reason = rule.check({
          file: s.file,
          specifier,
          from: roomOf(s.file),
          ...(to === undefined ? {} : { to }),
        });
        if (reason) out.push({ rule: rule.name, file: s.file, specifier, reason });
      }
  return out;
}

/** What the rooms table of docs/architecture.md lets each room import: '*' for any room. */
type RoomsTable = ReadonlyMap<string, ReadonlySet<string> | '*'>;

/**
 * The rooms table of `markdown`: each row `| \`room\` | what it holds | may import |`,
 * the rooms named in its last cell (words that are rooms of `rooms`; `everything` = any).
 */
function roomsTable(markdown: string, rooms: ReadonlySet<string>): RoomsTable {
  const out = new Map<string, ReadonlySet<string> | '*'>();
  for (const line of markdown.split('\n')) {
    const m = /^\| `([a-z-]+)` \|.*\| ([^|]+) \|$/.exec(line.trim());
    if (!m) continue;
    const cell = m[2] as string;
    out.set(
      m[1] as string,
      /^everything\b/.test(cell)
        ? '*'
        : new Set(cell.split(/[^a-z-]+/).filter((w) => rooms.has(w))),
    );
  }
  return out;
}

/**
 * Where the production imports of `sources` and the rooms table disagree: a room with no
 * row, a row of no room, and each import into a room its row does not name.
 */
function tableProblems(sources: readonly SourceFile[], table: RoomsTable): string[] {
  const rooms = new Set(sources.map((s) => roomOf(s.file)).filter((r) => r !== '.'));
  const out: string[] = [];
  for (const r of [...rooms].sort()) if (!table.has(r)) out.push(`room ${r}/ has no row`);
  for (const r of table.keys()) if (!rooms.has(r)) out.push(`row ${r} names no room`);
  const seen = new Set<string>();
  for (const c of crossings(sources.filter((s) => !isTestCode(s.file)))) {
    const may = table.get(c.from);
    const edge = `${c.from} -> ${c.to}`;
    if (may === undefined || may === '*' || may.has(c.to) || seen.has(edge)) continue;
    seen.add(edge);
    out.push(`${edge} (${c.file} imports ${c.specifier}) is not in the row of ${c.from}`);
  }
  return out;
}

/** The module of the whole configuration type, relative to `src/`. */
const CONFIG_MODULE = 'config/config';
/** The rooms that may name the whole `Config`: the composition root and the config itself. */
const WHOLE_CONFIG_ROOMS: ReadonlySet<string> = new Set(['cli', 'config']);

/**
 * Imports of the whole `Config` type (by name, renamed, or through a namespace import of
 * its module) from a file outside `cli/` and `config/`, as `file -> what`. Those rooms
 * take only their slice (`IngestConfig`, `SqlEndpointConfig`, ...), so a role cannot
 * start reading a section nobody handed it.
 */
function wholeConfigImports(files: readonly { file: string; text: string }[]): string[] {
  const out: string[] = [];
  for (const { file, text } of files) {
    if (WHOLE_CONFIG_ROOMS.has(roomOf(file)) || !text.includes('config/config')) continue;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
    const isConfigModule = (spec: ts.Expression | undefined) =>
      spec !== undefined &&
      ts.isStringLiteral(spec) &&
      spec.text.startsWith('.') &&
      path.posix
        .normalize(path.posix.join(path.posix.dirname(file), spec.text))
        .replace(/\.(js|ts)$/, '') === CONFIG_MODULE;
    for (const st of sf.statements) {
      if (ts.isImportDeclaration(st) && isConfigModule(st.moduleSpecifier)) {
        const b = st.importClause?.namedBindings;
        if (b && ts.isNamespaceImport(b)) out.push(`${file} -> * as ${b.name.text}`);
        if (b && ts.isNamedImports(b))
          for (const e of b.elements)
            if ((e.propertyName ?? e.name).text === 'Config') out.push(`${file} -> Config`);
      }
      if (
        ts.isExportDeclaration(st) &&
        isConfigModule(st.moduleSpecifier) &&
        (!st.exportClause ||
          (ts.isNamedExports(st.exportClause) &&
            st.exportClause.elements.some((e) => (e.propertyName ?? e.name).text === 'Config')))
      )
        out.push(`${file} -> export Config`);
    }
  }
  return out;
}

/**
 * Folder edges left out of the cycle check until the work named beside each is done
 * (issue 17). Remove an entry when its imports are gone; the test fails on a stale one.
 */
const ALLOWED_EDGES: Readonly<Record<string, string>> = {};

/**
 * Single imports that break a rule today, `file -> specifier`, each with the work that
 * removes it (issue 17). Remove an entry when its import is gone; the test fails on a stale one.
 */
const ALLOWED_IMPORTS: Readonly<Record<string, string>> = {};

describe('architecture: the checker', () => {
  const g = (files: Record<string, string[]>): SourceFile[] =>
    Object.entries(files).map(([file, specifiers]) => ({ file, specifiers }));

  it('finds a folder cycle, through tests too, and only the rooms in it', () => {
    const sources = g({
      'a/a.ts': ['../b/b.js'],
      'b/b.test.ts': ['../c/c.js', 'node:assert'],
      'c/c.ts': ['../a/a.js', './other.js'],
      'd/d.ts': ['../a/a.js'],
    });
    const cycles = folderCycles(sources);
    assert.equal(cycles.length, 1);
    assert.deepEqual(cycles[0]?.rooms, ['a', 'b', 'c']);
    assert.ok(cycles[0]?.edges.some((e) => e.startsWith('b -> c: b/b.test.ts')));
    assert.deepEqual(folderCycles(sources, new Set(['c -> a'])), []);
    assert.deepEqual(folderCycles(g({ 'a/x.ts': ['../b/y.js'], 'b/y.ts': ['./z.js'] })), []);
  });

  it('flags a planted import against each rule, and passes the same graph without it', () => {
    const planted = g({
      'model/x.ts': ['../lake/tables.js'],
      'ops/y.ts': ['../../src/stream/stream.js', '../stream/stream.js'],
      'vendors/acme/acme-adapter.ts': ['node:fs', '@aws-sdk/client-s3', 'pg'],
      'vendors/acme/acme-adapter.test.ts': ['node:fs'],
      'analytics/deals/x.ts': ['fastify'],
      'lake/w.ts': ['../realtime/backoff.js'],
      'realtime/r.ts': ['../lake/lake-writer.js'],
      'api/z.ts': ['../cli/compose.js'],
      'cli/ok.ts': ['../lake/lake-writer.js', './compose.js'],
    });
    const found = violations(planted);
    const by = (rule: string) => found.filter((v) => v.rule === rule).map((v) => v.file);
    assert.deepEqual(by('model and ops import no other folder'), ['model/x.ts', 'ops/y.ts']);
    assert.deepEqual(by('vendors do no I/O'), [
      'vendors/acme/acme-adapter.ts',
      'vendors/acme/acme-adapter.ts',
      'vendors/acme/acme-adapter.ts',
    ]);
    assert.deepEqual(by('analytics imports no HTTP framework'), ['analytics/deals/x.ts']);
    assert.deepEqual(by('lake and realtime never import each other'), [
      'lake/w.ts',
      'realtime/r.ts',
    ]);
    assert.deepEqual(by('nothing imports cli/'), ['api/z.ts']);
    const clean = g({
      'model/x.ts': ['./codec.js', 'avsc'],
      'vendors/acme/acme-adapter.ts': ['../../model/shopping-record.js', 'fast-xml-parser'],
      'analytics/deals/x.ts': ['../../ops/logger.js'],
      'lake/w.ts': ['../stream/stream.js'],
      'cli/ok.ts': ['../lake/lake-writer.js'],
    });
    assert.deepEqual(violations(clean), []);
  });

  it('finds the whole Config imported outside cli/ and config/, and only there', () => {
    const found = wholeConfigImports([
      { file: 'ingest/a.ts', text: "import type { Config } from '../config/config.js';" },
      { file: 'api/b.ts', text: "import { type Config as C, x } from '../config/config.js';" },
      { file: 'etl/c.ts', text: "import * as cfg from '../config/config.js';" },
      { file: 'etl/d/e.ts', text: "export { Config } from '../../config/config.js';" },
      { file: 'lake/f.ts', text: "export * from '../config/config.js';" },
      { file: 'api/ok.ts', text: "import type { ApiConfig } from '../config/config.js';" },
      { file: 'api/ok2.ts', text: "import type { Config } from './config/config.js';" },
      { file: 'cli/ok.ts', text: "import type { Config } from '../config/config.js';" },
      { file: 'config/ok.ts', text: "import type { Config } from './config.js';" },
    ]);
    assert.deepEqual(found, [
      'ingest/a.ts -> Config',
      'api/b.ts -> Config',
      'etl/c.ts -> * as cfg',
      'etl/d/e.ts -> export Config',
      'lake/f.ts -> export Config',
    ]);
  });

  it('checks production imports against the rooms table of the docs', () => {
    const rooms = new Set(['a', 'b', 'c', 'cli']);
    const table = roomsTable(
      [
        '| room | what it holds | may import |',
        '|---|---|---|',
        '| `a` | the a things, unlike `c` | no other folder |',
        '| `b` | b | a, and the `configSchema` of c |',
        '| `cli` | commands | everything; **nothing imports `cli/`** |',
        '| `gone` | nothing | a |',
      ].join('\n'),
      rooms,
    );
    assert.deepEqual(table.get('a'), new Set());
    assert.deepEqual(table.get('b'), new Set(['a', 'c']));
    assert.equal(table.get('cli'), '*');
    const sources = g({
      'a/x.ts': ['../b/y.js'],
      'a/x.test.ts': ['../c/z.js'],
      'a/testing/fx.ts': ['../c/z.js'],
      'b/y.ts': ['../a/x.js', '../c/z.js'],
      'c/z.ts': ['../a/x.js'],
      'cli/main.ts': ['../a/x.js', '../b/y.js', '../c/z.js'],
    });
    assert.deepEqual(tableProblems(sources, table), [
      'room c/ has no row',
      'row gone names no room',
      'a -> b (a/x.ts imports ../b/y.js) is not in the row of a',
    ]);
  });

  it('reads specifiers with the TypeScript pre-processor: type imports, re-exports, dynamic imports', () => {
    const info = ts.preProcessFile(
      [
        "import type { A } from '../a/a.js';",
        "export { B } from '../b/b.js';",
        "export * from '../c/c.js';",
        "const d = await import('../d/d.js');",
        "// import { no } from '../comment/x.js';",
        'const s = "import { no } from \'../string/x.js\'";',
      ].join('\n'),
      true,
      true,
    );
    assert.deepEqual(
      info.importedFiles.map((f) => f.fileName),
      ['../a/a.js', '../b/b.js', '../c/c.js', '../d/d.js'],
    );
  });
});

describe('architecture: src/', () => {
  const sources = readSources(SRC);

  it('reads the whole tree', () => {
    assert.ok(sources.length > 100, `only ${sources.length} files under ${SRC}`);
    assert.ok(sources.some((s) => s.file === 'cli/compose/stream.ts'));
  });

  it('has no folder cycle, tests included, beyond the allowlist', () => {
    const cycles = folderCycles(sources, new Set(Object.keys(ALLOWED_EDGES)));
    assert.deepEqual(
      cycles,
      [],
      `folder cycles:\n${cycles.map((c) => `  ${c.rooms.join(' <-> ')}\n    ${c.edges.join('\n    ')}`).join('\n')}`,
    );
  });

  it('breaks no rule beyond the allowlist', () => {
    const found = violations(sources).filter(
      (v) => !(`${v.file} -> ${v.specifier}` in ALLOWED_IMPORTS),
    );
    assert.deepEqual(
      found,
      [],
      found.map((v) => `${v.rule}: ${v.file} imports ${v.specifier} (${v.reason})`).join('\n'),
    );
  });

  it('imports, in production code, only what the rooms table of docs/architecture.md allows', () => {
    const rooms = new Set(sources.map((s) => roomOf(s.file)).filter((r) => r !== '.'));
    const doc = readFileSync(path.join(SRC, '..', 'docs', 'architecture.md'), 'utf8');
    const problems = tableProblems(sources, roomsTable(doc, rooms));
    assert.deepEqual(problems, [], `update the table or the import:\n  ${problems.join('\n  ')}`);
  });

  it('hands every room outside cli/ and config/ a slice of the configuration, never the whole Config', () => {
    const found = wholeConfigImports(
      sources.map((s) => ({ file: s.file, text: readFileSync(path.join(SRC, s.file), 'utf8') })),
    );
    assert.deepEqual(found, [], `import the section types instead:\n  ${found.join('\n  ')}`);
  });

  it('allowlists only what is still there (the lists only shrink)', () => {
    const edges = new Set(crossings(sources).map((c) => `${c.from} -> ${c.to}`));
    const stale = Object.keys(ALLOWED_EDGES).filter((e) => !edges.has(e));
    const imports = new Set(violations(sources).map((v) => `${v.file} -> ${v.specifier}`));
    stale.push(...Object.keys(ALLOWED_IMPORTS).filter((e) => !imports.has(e)));
    assert.deepEqual(stale, [], 'remove these allowlist entries: they allow nothing any more');
  });
});
