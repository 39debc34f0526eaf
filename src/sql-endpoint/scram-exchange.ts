/**
 * The server side of a SCRAM-SHA-256 exchange (RFC 5802 / RFC 7677) as PostgreSQL runs
 * it: client-first-message, server-first-message, client-final-message with the proof,
 * server-final-message with the server's signature. pg-gateway 0.2 has no SCRAM, and the
 * exchange is small and fixed, so it is written here on node:crypto and tested with
 * three independent clients (libpq's psql, node-postgres and pgjdbc). No channel
 * binding (SCRAM-SHA-256-PLUS) is offered.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ScramVerifier } from '../tenancy/scram-verifier.js';

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** The exchange failed; `message` says why (sent to the client as a FATAL error). */
export class ScramError extends Error {
  override name = 'ScramError';
}

/** One exchange; `verifier` is the user's, or a made-up one for an unknown user. */
export class ScramExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';

  constructor(private readonly verifier: ScramVerifier) {}

  /** Answers the client-first-message with the server-first-message. */
  first(mechanism: string, clientFirst: string): string {
    if (mechanism !== 'SCRAM-SHA-256')
      throw new ScramError(`SASL mechanism "${mechanism}" is not supported; use SCRAM-SHA-256`);
    const m = /^([ny]|p=[^,]*),[^,]*,(.*)$/.exec(clientFirst);
    if (!m) throw new ScramError('malformed SCRAM client-first-message');
    if (m[1]!.startsWith('p=')) throw new ScramError('SCRAM channel binding is not supported');
    this.clientFirstBare = m[2]!;
    const clientNonce = /(?:^|,)r=([^,]+)/.exec(this.clientFirstBare)?.[1];
    if (!clientNonce) throw new ScramError('the SCRAM client-first-message has no nonce');
    this.nonce = clientNonce + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }

  /**
   * Checks the client-final-message; returns the server-final-message (`v=...`) when
   * the proof is right, undefined when it is not.
   */
  final(clientFinal: string): string | undefined {
    const proofAt = clientFinal.lastIndexOf(',p=');
    if (proofAt < 0) throw new ScramError('the SCRAM client-final-message has no proof');
    const withoutProof = clientFinal.slice(0, proofAt);
    const nonce = /(?:^|,)r=([^,]+)/.exec(withoutProof)?.[1];
    if (nonce !== this.nonce) throw new ScramError('SCRAM nonce mismatch');
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.verifier.storedKey, authMessage);
    if (proof.length !== signature.length) return undefined;
    const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
    const stored = createHash('sha256').update(clientKey).digest();
    if (!timingSafeEqual(stored, this.verifier.storedKey)) return undefined;
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}

/** A verifier for a user that does not exist, stable per user so probing learns nothing. */
export function decoyVerifier(user: string, secret: Buffer): ScramVerifier {
  const salt = hmac(secret, `salt:${user}`).subarray(0, 16);
  return {
    iterations: 4096,
    salt,
    storedKey: hmac(secret, `stored:${user}`),
    serverKey: hmac(secret, `server:${user}`),
  };
}
