/**
 * Exact money amounts from vendor payloads. Amounts are read from their decimal text
 * (or the shortest text of a JSON number), checked against the currency's minor unit,
 * and only then turned into numbers, so "123.45" becomes exactly 123.45. Sums and
 * multiples are computed in integer minor units.
 */
import { isCurrency, minorUnits } from '../model/money.js';
import { PayloadError } from './errors.js';

const DECIMAL = /^(\d{1,15})(?:\.(\d+))?$/;
const PREFIXED = /^([A-Z]{3})(\d.*)$/;

/** Reads an ISO 4217 code; throws PayloadError naming `path` when it is not one. */
export function parseCurrency(raw: unknown, path: string): string {
  if (typeof raw !== 'string' || !isCurrency(raw.trim().toUpperCase())) {
    throw new PayloadError(path, `${JSON.stringify(raw) ?? 'missing'} is not an ISO 4217 currency`);
  }
  return raw.trim().toUpperCase();
}

/** Decimal text of an amount and whether it fits the currency's minor unit. */
function readDecimal(
  raw: unknown,
  currency: string,
  path: string,
): { text: string; value: number; fits: boolean } {
  let text: string;
  if (typeof raw === 'string') text = raw.trim();
  else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw);
  else throw new PayloadError(path, `${JSON.stringify(raw) ?? 'missing'} is not an amount`);
  const m = DECIMAL.exec(text);
  if (!m) throw new PayloadError(path, `"${text}" is not a non-negative decimal amount`);
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  return {
    text,
    value: Number(fraction ? `${m[1]}.${fraction}` : m[1]),
    fits: fraction.length <= minorUnits(currency),
  };
}

/**
 * Reads a non-negative decimal amount (string "123.45" or JSON number) in `currency`.
 * Throws PayloadError naming `path` when it is not a plain decimal or has more
 * significant decimals than the currency's minor unit ("10.005" EUR).
 */
export function parseAmount(raw: unknown, currency: string, path: string): number {
  const d = readDecimal(raw, currency, path);
  if (!d.fits) {
    throw new PayloadError(
      path,
      `"${d.text}" has more decimals than ${currency}'s minor unit (${minorUnits(currency)})`,
    );
  }
  return d.value;
}

/**
 * Like `parseAmount`, but undefined (instead of an error) for an amount finer than the
 * currency's minor unit: for optional breakdowns a vendor computes by division (Kiwi's
 * per-passenger `fare` of 100 EUR shared by three adults), which cannot be kept exactly
 * and must not cost the offer. Still throws for what is not an amount at all.
 */
export function parseAmountIfExact(
  raw: unknown,
  currency: string,
  path: string,
): number | undefined {
  const d = readDecimal(raw, currency, path);
  return d.fits ? d.value : undefined;
}

/**
 * Reads a Travelport-style amount with its currency in front ("EUR123.45"); throws
 * PayloadError naming `path` when it is not that shape.
 */
export function parsePrefixedAmount(
  raw: unknown,
  path: string,
): { currency: string; amount: number } {
  const m = typeof raw === 'string' ? PREFIXED.exec(raw.trim()) : null;
  if (!m) {
    throw new PayloadError(path, `${JSON.stringify(raw) ?? 'missing'} is not like "EUR123.45"`);
  }
  const currency = parseCurrency(m[1], path);
  return { currency, amount: parseAmount(m[2], currency, path) };
}

/** The amount in integer minor units (exact for amounts that passed `parseAmount`). */
export function toMinor(amount: number, currency: string): number {
  return Math.round(amount * 10 ** minorUnits(currency));
}

/** Integer minor units back to an amount in major units. */
export function fromMinor(units: number, currency: string): number {
  return units / 10 ** minorUnits(currency);
}

/** Exact sum of amounts in one currency. */
export function sumAmounts(amounts: readonly number[], currency: string): number {
  let units = 0;
  for (const a of amounts) units += toMinor(a, currency);
  return fromMinor(units, currency);
}

/** Exact `amount × count` in one currency. */
export function multiplyAmount(amount: number, count: number, currency: string): number {
  return fromMinor(toMinor(amount, currency) * count, currency);
}
