/**
 * Where one record's CPU goes on ingest's hot path, in process (no HTTP, no stream): the
 * CPU microseconds per record of JSON.parse alone, of the generic adapter (JSON.parse,
 * validation, context), and of the Avro encoding with the stream keys, for the bodies
 * of `npm run bench -- ingest`. Measured with process.cpuUsage over `seconds` per
 * stage (best of three thirds), so a busy machine inflates it less than wall time.
 */
import { encodeRecord } from '../../src/model/codec.js';
import { marketKey, recordKey } from '../../src/model/shopping-record.js';
import { recordFlags } from '../../src/model/validate.js';
import { DEFAULT_VALIDATION_POLICY } from '../../src/model/validation-policy.js';
import { GenericAdapter } from '../../src/vendors/generic/generic-adapter.js';

export interface Stages {
  parseUs: number;
  adapterUs: number;
  encodeUs: number;
}

function cpuUsPerRecord(seconds: number, records: number, fn: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const until = performance.now() + (seconds * 1000) / 3;
    let n = 0;
    const c0 = process.cpuUsage();
    while (performance.now() < until) {
      fn();
      n++;
    }
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / (n * records));
  }
  return best;
}

/** CPU µs per record of each stage for `body` (`records` records in it). */
export function ingestStages(body: string, records: number, seconds: number): Stages {
  const adapter = new GenericAdapter();
  const raw = Buffer.from(body);
  let i = 0;
  const ctx = () => ({
    headers: { 'x-transaction-id': `s${i++}` },
    receivedAt: new Date(),
    validation: DEFAULT_VALIDATION_POLICY,
  });
  const parsed = adapter.parse(raw, ctx()).records;
  if (parsed.length !== records) throw new Error(`expected ${records} valid records`);
  return {
    parseUs: cpuUsPerRecord(seconds, records, () => JSON.parse(raw.toString('utf8'))),
    adapterUs: cpuUsPerRecord(seconds, records, () => adapter.parse(raw, ctx())),
    encodeUs: cpuUsPerRecord(seconds, records, () => {
      for (const r of parsed) {
        recordFlags(r, DEFAULT_VALIDATION_POLICY);
        marketKey(r);
        recordKey(r);
        encodeRecord(r);
      }
    }),
  };
}
