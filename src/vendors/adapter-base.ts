import { rejectAll } from './record-builder.js';
import type { AdapterResult, RequestContext, VendorAdapter, VendorName } from './vendor-adapter.js';

/**
 * Keeps the `VendorAdapter.parse` contract for every adapter, written once: an error
 * escaping `read` (a PayloadError for a payload that cannot be read at all, or anything
 * unexpected) becomes a whole-payload rejection, and an empty result gets a reason.
 * Subclasses implement `read` and may throw from it.
 */
export abstract class AdapterBase implements VendorAdapter {
  abstract readonly name: VendorName;
  abstract readonly contentTypes: string[];

  parse(body: string | Buffer, ctx: RequestContext): AdapterResult {
    try {
      const result = this.read(body, ctx);
      if (result.records.length === 0 && result.rejected.length === 0) {
        result.rejected.push({ index: -1, reason: 'no records in payload' });
      }
      return result;
    } catch (err) {
      return rejectAll(err);
    }
  }

  /** Reads the payload; may throw PayloadError when it cannot be read at all. */
  protected abstract read(body: string | Buffer, ctx: RequestContext): AdapterResult;
}
