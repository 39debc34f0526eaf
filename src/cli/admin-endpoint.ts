/**
 * How a CLI command finds the platform that `faresight up` runs on the same data
 * directory: `up` writes `<dataDir>/admin-endpoint.json` (mode 0600: the admin token in it
 * is the user's alone) with its API URL, a token admitted by the admin API, made at start
 * and held nowhere else, and its process id; it removes the file when it stops. A command
 * that cannot open the embedded row store beside `up` (PGlite admits one process) calls
 * the admin API instead (admin-client.ts).
 */
import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../ops/process-alive.js';

/** File name of the endpoint in the data directory. */
export const ADMIN_ENDPOINT_FILE = 'admin-endpoint.json';

/** What `up` tells the CLI beside it. */
export interface AdminEndpoint {
  /** Base URL of the API (admin routes under /admin/v1). */
  url: string;
  /** Bearer token of the admin API. */
  token: string;
  /** Process id of the platform. */
  pid: number;
}

export const adminEndpointPath = (dataDir: string) => join(dataDir, ADMIN_ENDPOINT_FILE);

/**
 * Writes the endpoint file, readable and writable by the user only; returns the function
 * that removes it (only while it still holds this endpoint's token).
 */
export function writeAdminEndpoint(dataDir: string, e: AdminEndpoint): () => void {
  const file = adminEndpointPath(dataDir);
  writeFileSync(file, `${JSON.stringify(e)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // the mode of writeFileSync applies only to a new file
  return () => {
    if (readAdminEndpointFile(file)?.token === e.token) rmSync(file, { force: true });
  };
}

function readAdminEndpointFile(file: string): AdminEndpoint | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let e: Partial<AdminEndpoint>;
  try {
    e = JSON.parse(text) as Partial<AdminEndpoint>;
  } catch {
    e = {};
  }
  if (typeof e.url !== 'string' || typeof e.token !== 'string' || typeof e.pid !== 'number')
    throw new Error(`${file} is not an admin endpoint (url, token, pid); remove it`);
  return e as AdminEndpoint;
}

/**
 * The endpoint of the platform running on `dataDir`, or undefined when none runs (no
 * file, or the file of a process that is gone, as after a kill -9). Refuses a file others
 * may read: the token in it is an admin credential.
 */
export function readAdminEndpoint(dataDir: string): AdminEndpoint | undefined {
  const file = adminEndpointPath(dataDir);
  const e = readAdminEndpointFile(file);
  if (!e || !processAlive(e.pid)) return undefined;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new Error(
      `${file} may be read by others (mode ${mode.toString(8)}); it holds an admin token: chmod 600 it`,
    );
  return e;
}
