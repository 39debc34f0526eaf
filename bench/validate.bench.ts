/**
 * `npm run bench -- validate [records]`: record validation on ingest's hot path.
 * Validates parsed generator records (as adapters hand them over) with
 * `validateRecord` (the fast path: Ajv structure plus the hand-written rules), beside
 * two figures measured in the same run: JSON.parse of the same records (for scale) and
 * the zod schema alone (`validateRecordStrictly`, what every record would cost without
 * the fast path). Then validation with the stream encoding: `validateRecord` followed by
 * `encodeRecord` against the fused pass that does both in one walk (`validateAndEncode`).
 * Five rounds each, best round reported.
 */
import { createGenerator } from '../src/generator/generator.js';
import { encodeRecord } from '../src/model/codec.js';
import {
  validateAndEncode,
  validateRecord,
  validateRecordStrictly,
} from '../src/model/validate.js';

const N = Number(process.argv[2] ?? 20_000);
const g = createGenerator({ seed: 7 });
const texts: string[] = [];
for (let i = 0; i < N; i++) texts.push(JSON.stringify(g.next()));
// Validation never changes a valid record without unknown keys: reused across rounds.
const values: unknown[] = texts.map((t) => JSON.parse(t));

function best<T>(name: string, inputs: readonly T[], fn: (input: T) => boolean): number {
  let bestRate = 0;
  let ok = 0;
  for (let round = 0; round < 5; round++) {
    ok = 0;
    const t0 = process.hrtime.bigint();
    for (const t of inputs) if (fn(t)) ok++;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    bestRate = Math.max(bestRate, N / s);
  }
  console.log(
    `${name.padEnd(34)} ${Math.round(bestRate).toString().padStart(9)} records/s  (${ok}/${N} valid)`,
  );
  return bestRate;
}

console.log(`validation of ${N} generator records, best of 5 rounds`);
const parse = best('JSON.parse (for scale)', texts, (t) => JSON.parse(t) !== null);
const fast = best('validateRecord (fast path)', values, (v) => validateRecord(v).ok);
const strict = best('validateRecordStrictly (zod)', values, (v) => validateRecordStrictly(v).ok);
console.log(
  `fast path: ${(fast / strict).toFixed(1)}x zod; validating takes ${((100 * parse) / fast).toFixed(0)}% of the time parsing does`,
);
const twoPasses = best('validateRecord + encodeRecord', values, (v) => {
  const r = validateRecord(v);
  return r.ok && encodeRecord(r.record).length > 0;
});
const fused = best('validateAndEncode (fused pass)', values, (v) => {
  const r = validateAndEncode(v);
  return r.ok && r.data !== undefined;
});
console.log(`fused pass: ${(fused / twoPasses).toFixed(2)}x validate then encode`);
