/**
 * Checks the tests of every process's OpenAPI document share: which operations the
 * document lists, and which of them show no example.
 */

type Media = Record<string, { example?: unknown; examples?: unknown }>;
interface Operation {
  requestBody?: { content?: Media };
  responses?: Record<string, { content?: Media }>;
}
/** The part of an OpenAPI document these checks read. */
export interface OpenApiPaths {
  paths: Record<string, Record<string, Operation>>;
}

const hasExample = (content: Media | undefined) =>
  Object.values(content ?? {}).some((m) => m.example !== undefined || m.examples !== undefined);

/** Every operation of `doc` as `GET /path/{param}`, sorted. */
export function documentedOperations(doc: OpenApiPaths): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

/**
 * Operations of `doc` a reader sees no example for: none of their responses shows an
 * example answer, or they take a body and it shows no example request.
 */
export function operationsWithoutExample(doc: OpenApiPaths): string[] {
  const missing: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      const answer = Object.values(op.responses ?? {}).some((r) => hasExample(r.content));
      const body = op.requestBody === undefined || hasExample(op.requestBody.content);
      if (!answer || !body) missing.push(`${method.toUpperCase()} ${path}`);
    }
  return missing.sort();
}

/**
 * Every route of a Fastify app as `GET /path/{param}` (HEAD left out), sorted, from the
 * text of `app.printRoutes({ commonPrefix: false })`: the routes the app really serves.
 */
export function printedRoutes(printed: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of printed.split('\n')) {
    const m = /^(.*?)(?:├── |└── )(\S+) \(([^)]+)\)/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = (depth > 0 ? stack[depth - 1]! : '') + m[2]!;
    stack[depth] = path;
    for (const method of m[3]!.split(', '))
      if (method !== 'HEAD') out.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return out.sort();
}
