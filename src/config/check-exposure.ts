/**
 * Secure by default, as Redis's protected mode: a service may listen beyond loopback only
 * with authentication configured (vendor secrets for ingest, API keys for the API), unless
 * the operator explicitly accepts the risk with `--insecure`. The SQL endpoint always
 * authenticates customers, so only its address matters to nobody but the operator.
 */
import type { Config } from './config.js';
import { InsecureExposureError } from './errors.js';

/** Services whose exposure `checkExposure` judges. */
export type ExposedRole = 'ingest' | 'api';

/** True for an address only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** What would be exposed without authentication, one sentence per role, naming the settings. */
export function exposureProblems(
  config: Pick<Config, 'ingest' | 'api'>,
  roles: readonly ExposedRole[],
): string[] {
  const out: string[] = [];
  if (
    roles.includes('ingest') &&
    !isLoopback(config.ingest.host) &&
    Object.keys(config.ingest.vendors).length === 0
  )
    out.push(
      `ingest.host is "${config.ingest.host}" (not loopback) and no vendor secrets are configured (ingest.vendors), so anyone who reaches it could post`,
    );
  if (
    roles.includes('api') &&
    !isLoopback(config.api.host) &&
    Object.keys(config.api.keys).length === 0
  )
    out.push(
      `api.host is "${config.api.host}" (not loopback) and no API keys are configured (api.keys), so anyone who reaches it could read`,
    );
  return out;
}

/**
 * Throws InsecureExposureError when `roles` would be exposed without authentication and
 * `insecure` is false; with `insecure` returns the problems for the caller to log as
 * warnings. Returns [] when nothing is exposed.
 */
export function checkExposure(
  config: Pick<Config, 'ingest' | 'api'>,
  roles: readonly ExposedRole[],
  insecure: boolean,
): string[] {
  const problems = exposureProblems(config, roles);
  if (problems.length > 0 && !insecure) throw new InsecureExposureError(problems);
  return problems;
}
