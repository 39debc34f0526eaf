import type { PassengerType } from '../model/shopping-record.js';

/**
 * The passenger type of an IATA/GDS passenger type code: CHD, CNN and Cnn (age) are
 * children, INF, INS and INN infants, every other code (ADT, SRC, STU, MIL, ...) adults.
 */
export function passengerTypeOfCode(raw: unknown): PassengerType {
  const c = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
  if (c === 'CHD' || c === 'CNN' || c === 'CHILD' || /^C\d{2}$/.test(c)) return 'child';
  if (c === 'INF' || c === 'INS' || c === 'INN' || c === 'INFANT') return 'infant';
  return 'adult';
}
