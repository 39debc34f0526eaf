/**
 * Currency facts from the ICU data that ships with Node.js (ISO 4217), so the project
 * keeps no currency table of its own.
 */

const KNOWN = new Set(Intl.supportedValuesOf('currency'));
const minorUnitCache = new Map<string, number>();

/** True when `code` is an ISO 4217 currency code that ICU knows. */
export function isCurrency(code: string): boolean {
  return KNOWN.has(code);
}

/** Digits after the decimal point of the currency's minor unit (USD 2, JPY 0, KWD 3). */
export function minorUnits(currency: string): number {
  let digits = minorUnitCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits as number;
    minorUnitCache.set(currency, digits);
  }
  return digits;
}

/**
 * True when `amount` has no more decimal digits than the currency's minor unit allows.
 * Amounts are carried as numbers in major units; this guards that they are exact.
 */
export function fitsMinorUnit(amount: number, currency: string): boolean {
  const scale = 10 ** minorUnits(currency);
  const scaled = amount * scale;
  return Math.abs(scaled - Math.round(scaled)) <= 1e-9 * Math.max(1, Math.abs(scaled));
}

/** Rounds an amount to the currency's minor unit. */
export function roundToMinor(amount: number, currency: string): number {
  const scale = 10 ** minorUnits(currency);
  return Math.round(amount * scale) / scale;
}
