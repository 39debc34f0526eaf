import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Name of the Console's session cookie. */
export const SESSION_COOKIE = 'faresight_console';
/** How long a Console session lasts without a new login. */
export const SESSION_TTL_MS = 12 * 3_600_000;
/** Header that carries a session's CSRF token on every state-changing request. */
export const CSRF_HEADER = 'x-csrf-token';

interface Session {
  csrf: string;
  expiresAt: number;
}

/** Who a request is, for the admin routes. */
export type AdminCheck =
  | { ok: true; via: 'key' | 'session' }
  | { ok: false; status: 401 | 403; error: string; message: string };

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/**
 * The operator credential (`api.adminKeySha256`: only the sha256 of the key is held) and
 * the Console sessions made from it. A session is a random id in an HttpOnly,
 * SameSite=Strict cookie plus a CSRF token the page sends back in `X-CSRF-Token` on
 * every state-changing request; scripts use `Authorization: Bearer <admin key>` instead
 * (no cookie, so no CSRF). Sessions live in this process: a restart logs everyone out.
 */
export class ConsoleAuth {
  private readonly hashes: Buffer[];
  private readonly sessions = new Map<string, Session>();

  /**
   * `adminKeySha256`: the sha256 (hex) of the admin key, or of each key admitted (the
   * operator's, and the token `up` makes for the CLI beside it).
   */
  constructor(
    adminKeySha256: string | readonly string[],
    private readonly now: () => number = Date.now,
  ) {
    const all = typeof adminKeySha256 === 'string' ? [adminKeySha256] : [...adminKeySha256];
    if (all.length === 0 || all.some((h) => !/^[0-9a-f]{64}$/.test(h)))
      throw new Error('the admin key hash must be 64 hex digits (sha256 of the key)');
    this.hashes = all.map((h) => Buffer.from(h, 'hex'));
  }

  /** True when `key` is an admin key (constant-time comparison of the hashes). */
  isAdminKey(key: string): boolean {
    const h = createHash('sha256').update(key, 'utf8').digest();
    let ok = false;
    for (const x of this.hashes) ok = timingSafeEqual(h, x) || ok;
    return ok;
  }

  /** Opens a session for a correct key: its cookie id and CSRF token; undefined for a wrong key. */
  login(key: string): { id: string; csrf: string } | undefined {
    if (!this.isAdminKey(key)) return undefined;
    this.prune();
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    this.sessions.set(id, { csrf, expiresAt: this.now() + SESSION_TTL_MS });
    return { id, csrf };
  }

  logout(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** The live session of cookie value `id`. */
  session(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  /**
   * Admits a request by bearer admin key, or by session cookie (with, when `mutating`,
   * the session's CSRF token in its header). A customer API key is no admin key: 401.
   */
  check(
    headers: Readonly<Record<string, string | string[] | undefined>>,
    mutating: boolean,
  ): AdminCheck {
    const auth = headers.authorization;
    const bearer = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
    if (bearer !== undefined) {
      return this.isAdminKey(bearer)
        ? { ok: true, via: 'key' }
        : { ok: false, status: 401, error: 'unauthorized', message: 'not the admin key' };
    }
    const cookie = typeof headers.cookie === 'string' ? headers.cookie : undefined;
    const s = this.session(cookieValue(cookie, SESSION_COOKIE));
    if (!s)
      return {
        ok: false,
        status: 401,
        error: 'unauthorized',
        message: 'log in to the Console, or send Authorization: Bearer <admin key>',
      };
    if (mutating) {
      const token = headers[CSRF_HEADER];
      const ok =
        typeof token === 'string' &&
        token.length === s.csrf.length &&
        timingSafeEqual(Buffer.from(token), Buffer.from(s.csrf));
      if (!ok)
        return {
          ok: false,
          status: 403,
          error: 'forbidden',
          message: `missing or wrong ${CSRF_HEADER} header for a Console session`,
        };
    }
    return { ok: true, via: 'session' };
  }

  private prune(): void {
    const t = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= t) this.sessions.delete(id);
  }
}
