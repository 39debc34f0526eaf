/**
 * SCRAM-SHA-256 verifiers (RFC 5802 / RFC 7677) of API keys, in PostgreSQL's text form
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`. A verifier lets the SQL
 * endpoint check a SCRAM proof without ever seeing the key; it cannot be derived from
 * the key's sha256, so one is stored beside the hash when the key is made.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** PBKDF2 rounds, PostgreSQL's default (scram_iterations). */
export const SCRAM_ITERATIONS = 4096;

/** A parsed verifier. */
export interface ScramVerifier {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** The verifier of `key` with a fresh random salt (or `salt`, for tests). */
export function makeScramVerifier(key: string, salt = randomBytes(16)): string {
  const salted = pbkdf2Sync(key.normalize('NFKC'), salt, SCRAM_ITERATIONS, 32, 'sha256');
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Parses a verifier; undefined when `text` is not one. */
export function parseScramVerifier(text: string): ScramVerifier | undefined {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(
    text,
  );
  if (!m) return undefined;
  return {
    iterations: Number(m[1]),
    salt: Buffer.from(m[2]!, 'base64'),
    storedKey: Buffer.from(m[3]!, 'base64'),
    serverKey: Buffer.from(m[4]!, 'base64'),
  };
}
