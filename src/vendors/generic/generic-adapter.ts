/**
 * The generic format: Faresight's own `ShoppingRecord` as JSON, one object, an array, or
 * NDJSON (one record per line). Each item is validated on its own and rejected by its
 * index (position in the array, or among the non-blank NDJSON lines). Missing context is
 * filled in: `receivedAt` from the request, `shoppedAt`/`pos` from the headers (else
 * `receivedAt`), `id` from `x-transaction-id` (with `-<index>` when the payload holds
 * several items) or `generic-<digest>-<index>`. `vendor` is always `generic`: the route
 * decides the producer, not the payload. This adapter is on the ingest hot path, so it
 * does nothing beyond one JSON.parse and one schema validation per record.
 */
import { validateRecord } from '../../model/validate.js';
import { AdapterBase } from '../adapter-base.js';
import { PayloadError } from '../errors.js';
import { bodyText, isObject } from '../read.js';
import { flagAmounts } from '../record-builder.js';
import { assignedId, headerContext } from '../search-context.js';
import type { AdapterResult, RequestContext } from '../vendor-adapter.js';

/** Splits NDJSON into parsed items; unparsable lines become rejections at their index. */
function parseLines(text: string, out: AdapterResult): unknown[] {
  const items: unknown[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    if (raw.trim() === '') continue;
    try {
      items.push(JSON.parse(raw));
    } catch (err) {
      out.rejected.push({
        index: items.length,
        reason: `line ${line}: not valid JSON: ${(err as Error).message}`,
      });
      items.push(undefined);
    }
  }
  return items;
}

/** Adapter for Faresight's own record format (JSON, JSON array or NDJSON). */
export class GenericAdapter extends AdapterBase {
  readonly name = 'generic' as const;
  readonly contentTypes = ['application/json', 'application/x-ndjson'];

  protected read(body: string | Buffer, ctx: RequestContext): AdapterResult {
    const text = bodyText(body, ctx);
    const out: AdapterResult = { records: [], rejected: [] };
    const start = text.trimStart()[0];
    let items: unknown[];
    if (start === '[') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new PayloadError('', `not valid JSON: ${(err as Error).message}`);
      }
      if (!Array.isArray(parsed))
        throw new PayloadError('', 'expected a record, an array or NDJSON');
      items = parsed;
    } else if (start === '{') {
      try {
        items = [JSON.parse(text)];
      } catch (err) {
        if (!text.includes('\n'))
          throw new PayloadError('', `not valid JSON: ${(err as Error).message}`);
        items = parseLines(text, out);
      }
    } else {
      throw new PayloadError(
        '',
        start === undefined ? 'empty payload' : 'expected a record, an array or NDJSON',
      );
    }

    const headers = headerContext(ctx);
    const receivedAt = ctx.receivedAt.toISOString();
    const several = items.length > 1;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item === undefined) continue; // an NDJSON line already rejected
      if (!isObject(item)) {
        out.rejected.push({
          index: i,
          reason: `expected a record object, got ${Array.isArray(item) ? 'an array' : typeof item}`,
        });
        continue;
      }
      item.vendor = 'generic';
      if (item.receivedAt === undefined) item.receivedAt = receivedAt;
      if (item.shoppedAt === undefined) item.shoppedAt = headers.shoppedAt ?? receivedAt;
      if (item.pos === undefined && headers.pos) item.pos = headers.pos;
      if (item.id === undefined) {
        item.id = headers.id
          ? several
            ? `${headers.id}-${i}`
            : headers.id
          : assignedId('generic', body, i);
      }
      const v = validateRecord(item, ctx.validation);
      if (v.ok) {
        for (const o of v.record.offers) flagAmounts(o);
        out.records.push(v.record);
      } else out.rejected.push({ index: i, reason: v.errors.join('; ') });
    }
    return out;
  }
}
