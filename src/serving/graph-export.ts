/**
 * The route graph as openCypher load CSV, the Neptune bulk-load format: a nodes file
 * (`~id,~label,<name>:<Type>,...`) with one `airport` vertex per airport, and an edges
 * file (`~id,~from,~to,~label,...`) with one `route` edge per market carrying the
 * cheapest current one-way fare in one currency (empty when the market has none in it),
 * its departure date and carrier, the carriers seen, the search volume and last-seen time.
 * Array values are `;`-separated, as Neptune reads `String[]`.
 */
import type { SqlExecutor } from '../sql/sql-client.js';

/** Header of the nodes file. */
export const NODE_HEADER = '~id,~label,code:String,routesOut:Int,routesIn:Int,searchesOut:Long';
/** Header of the edges file. */
export const EDGE_HEADER =
  '~id,~from,~to,~label,fare:Double,currency:String,departureDate:DateTime,carrier:String,carriers:String[],searches:Long,lastSeen:DateTime';

/** The two CSV documents, each ending with a newline. */
export interface GraphCsv {
  nodes: string;
  edges: string;
  airports: number;
  routes: number;
}

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}

/** Builds both files from the row store; fares in `currency` (default USD). */
export async function exportGraphCsv(db: SqlExecutor, currency = 'USD'): Promise<GraphCsv> {
  const edges = await db.query<{
    origin: string;
    destination: string;
    amount_text: string | null;
    d: string | null;
    carrier: string | null;
    carriers: string | null;
    searches: string | number;
    last_seen: unknown;
  }>(
    `WITH ends AS (
       SELECT origin, destination FROM markets
       UNION SELECT DISTINCT origin, destination FROM cheapest_fares
     ), seen AS (
       SELECT origin, destination, string_agg(DISTINCT carrier, ';' ORDER BY carrier) AS carriers,
              max(seen_at) AS last_seen
       FROM cheapest_fares GROUP BY origin, destination
     )
     SELECT e.origin, e.destination, r.amount::text AS amount_text, r.departure_date::text AS d,
            r.carrier, s.carriers, coalesce(m.searches, 0) AS searches,
            coalesce(m.last_seen, s.last_seen) AS last_seen
     FROM ends e
     LEFT JOIN route_edges r ON r.origin = e.origin AND r.destination = e.destination AND r.currency = $1
     LEFT JOIN seen s ON s.origin = e.origin AND s.destination = e.destination
     LEFT JOIN markets m ON m.origin = e.origin AND m.destination = e.destination
     ORDER BY e.origin, e.destination`,
    [currency],
  );
  const airports = new Map<string, { out: number; in: number; searches: number }>();
  const node = (code: string) => {
    let n = airports.get(code);
    if (!n) {
      n = { out: 0, in: 0, searches: 0 };
      airports.set(code, n);
    }
    return n;
  };
  const edgeLines = [EDGE_HEADER];
  for (const e of edges) {
    const from = node(e.origin);
    from.out++;
    from.searches += Number(e.searches);
    node(e.destination).in++;
    edgeLines.push(
      [
        `${e.origin}-${e.destination}`,
        e.origin,
        e.destination,
        'route',
        e.amount_text,
        e.amount_text === null ? null : currency,
        e.d,
        e.carrier,
        e.carriers,
        Number(e.searches),
        iso(e.last_seen),
      ]
        .map(cell)
        .join(','),
    );
  }
  const nodeLines = [NODE_HEADER];
  for (const code of [...airports.keys()].sort()) {
    const n = airports.get(code)!;
    nodeLines.push([code, 'airport', code, n.out, n.in, n.searches].map(cell).join(','));
  }
  return {
    nodes: `${nodeLines.join('\n')}\n`,
    edges: `${edgeLines.join('\n')}\n`,
    airports: airports.size,
    routes: edges.length,
  };
}
