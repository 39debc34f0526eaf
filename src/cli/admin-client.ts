/**
 * The admin API of a running platform, as the CLI calls it when it cannot open the
 * embedded row store itself (`faresight up` holds it): see admin-endpoint.ts.
 */
import type { Config } from '../config/config.js';
import { type AdminEndpoint, readAdminEndpoint } from './admin-endpoint.js';

/** An admin API answer other than 2xx, with the server's message. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the admin API of one platform with its bearer token. */
export class AdminClient {
  constructor(readonly endpoint: AdminEndpoint) {}

  /** `method path` with a JSON body; the JSON answer, or AdminApiError with the server's message. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.endpoint.url}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.endpoint.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((err: Error) => {
      throw new Error(
        `the platform of pid ${this.endpoint.pid} at ${this.endpoint.url} does not answer: ${err.message}`,
      );
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const m = (parsed as { message?: string } | undefined)?.message ?? text;
      throw new AdminApiError(res.status, `${method} /admin/v1${path}: ${res.status} ${m}`);
    }
    return parsed as T;
  }
}

/**
 * The platform running beside this command, when the command must go through it: the
 * row store is the embedded PGlite (one process only) and `up` runs on the same data
 * directory. Undefined otherwise (PostgreSQL admits every process: the command opens it).
 */
export function platformBeside(
  config: Pick<Config, 'dataDir' | 'rowStore'>,
): AdminClient | undefined {
  if (config.rowStore.backend !== 'pglite') return undefined;
  const e = readAdminEndpoint(config.dataDir);
  if (e) process.stderr.write(`(through the platform running as pid ${e.pid} at ${e.url})\n`);
  return e ? new AdminClient(e) : undefined;
}
