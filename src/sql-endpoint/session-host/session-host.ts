/**
 * Where customer SQL runs: a small pool of child processes (host-child.ts), each with its
 * own DuckDB threads and its own libuv pool, so a heavy customer statement neither
 * blocks the serving process's event loop nor takes the libuv threads that ingest's
 * gunzip and file I/O need, and its memory is not the serving process's.
 *
 * A session lives in one child. If that child dies, the statements it was running fail
 * with SqlHostError, a new child starts for the next statement, and the session is opened
 * again there (same spec) before that statement runs. A child left with no open session
 * is recycled (a new one starts when needed) once its resident memory stands more than
 * `recycleAboveBytes` over what it was at its first answer, and exits after `idleExitMs`
 * with no session anyway: memory a burst of statements took is given back to the machine.
 */
import type { Service } from '../../ops/service.js';
import type { CustomerSession, SessionResult, SessionSpec } from '../customer-session.js';
import { HostProcess } from './host-process.js';

/** Default number of child processes (config sql.processes). */
export const DEFAULT_HOST_PROCESSES = 2;
/** Default growth of an idle child's memory over its baseline that recycles it: 128 MiB. */
export const DEFAULT_RECYCLE_ABOVE_BYTES = 128 * 1024 * 1024;
/** Default time a child with no session is kept before it exits: 30 s. */
export const DEFAULT_IDLE_EXIT_MS = 30_000;
/** Time over its statement timeout a child may take to answer before it is killed as wedged. */
const WATCHDOG_GRACE_MS = 10_000;

/** Settings of a SessionHost; defaults in brackets. */
export interface SessionHostOptions {
  /** Child processes [DEFAULT_HOST_PROCESSES]; sessions go to the one with the fewest. */
  processes?: number;
  /** [DEFAULT_RECYCLE_ABOVE_BYTES] */
  recycleAboveBytes?: number;
  /** [DEFAULT_IDLE_EXIT_MS] */
  idleExitMs?: number;
  /** The child's entry module [host-child beside this file]. */
  entry?: URL;
}

/** One child process as seen from outside, for tests and metrics. */
export interface HostProcessInfo {
  readonly pid: number | undefined;
  readonly sessions: number;
  readonly rssBytes: number;
}

export class SessionHost implements Service {
  readonly name = 'sql-host';
  private readonly slots: (HostProcess | undefined)[];
  private readonly entry: URL;
  private readonly recycleAboveBytes: number;
  private readonly idleExitMs: number;
  private readonly idleTimers = new Map<HostProcess, NodeJS.Timeout>();
  private nextSession = 1;
  private stopped = false;

  constructor(opts: SessionHostOptions = {}) {
    this.slots = new Array(opts.processes ?? DEFAULT_HOST_PROCESSES).fill(undefined);
    this.entry =
      opts.entry ??
      new URL(`./host-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
    this.recycleAboveBytes = opts.recycleAboveBytes ?? DEFAULT_RECYCLE_ABOVE_BYTES;
    this.idleExitMs = opts.idleExitMs ?? DEFAULT_IDLE_EXIT_MS;
  }

  /** Opens a session in the child with the fewest sessions (starting one if needed). */
  async open(spec: SessionSpec): Promise<CustomerSession> {
    const s = new HostedSession(this, spec, this.nextSession++);
    await s.openIn(this.pick());
    return s;
  }

  /** The live children. */
  processes(): HostProcessInfo[] {
    return this.slots
      .filter((p): p is HostProcess => p?.alive === true)
      .map((p) => ({ pid: p.pid, sessions: p.sessions, rssBytes: p.rss }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.idleTimers.values()) clearTimeout(t);
    this.idleTimers.clear();
    await Promise.all(this.slots.map((p) => p?.stop()));
  }

  /** @internal A live child for a session: the least loaded, or a new one in a free slot. */
  pick(): HostProcess {
    if (this.stopped) throw new Error('the SQL session host is stopped');
    let best = -1;
    for (let i = 0; i < this.slots.length; i++) {
      const p = this.slots[i];
      if (!p?.alive) {
        const fresh = new HostProcess(this.entry, (dead) => this.forget(dead));
        this.slots[i] = fresh;
        return this.take(fresh);
      }
      if (best < 0 || p.sessions < this.slots[best]!.sessions) best = i;
    }
    return this.take(this.slots[best]!);
  }

  /** @internal A session of `p` closed (or moved away from it). */
  release(p: HostProcess): void {
    p.sessions--;
    if (p.sessions > 0 || !p.alive || this.stopped) return;
    if (p.baselineRss !== undefined && p.rss - p.baselineRss > this.recycleAboveBytes) {
      this.retire(p);
      return;
    }
    this.idleTimers.set(
      p,
      setTimeout(() => {
        if (p.sessions === 0) this.retire(p);
      }, this.idleExitMs).unref(),
    );
  }

  private take(p: HostProcess): HostProcess {
    p.sessions++;
    clearTimeout(this.idleTimers.get(p));
    this.idleTimers.delete(p);
    return p;
  }

  private retire(p: HostProcess): void {
    this.forget(p);
    void p.stop();
  }

  private forget(p: HostProcess): void {
    const i = this.slots.indexOf(p);
    if (i >= 0) this.slots[i] = undefined;
    clearTimeout(this.idleTimers.get(p));
    this.idleTimers.delete(p);
  }
}

/** A CustomerSession whose DuckDB lives in a child of the host. */
class HostedSession implements CustomerSession {
  private proc: HostProcess | undefined;
  relations: readonly string[] = [];
  private closed = false;

  constructor(
    private readonly host: SessionHost,
    private readonly spec: SessionSpec,
    private readonly id: number,
  ) {}

  get customer(): string {
    return this.spec.customer;
  }

  /** @internal Opens this session in `p` (already counted there). */
  async openIn(p: HostProcess): Promise<void> {
    this.proc = p;
    try {
      const r = (await p.request({ op: 'open', session: this.id, spec: this.spec })) as {
        relations: readonly string[];
      };
      this.relations = r.relations;
    } catch (err) {
      this.proc = undefined;
      this.host.release(p);
      throw err;
    }
  }

  query(sql: string): Promise<SessionResult> {
    return this.call({ op: 'query', session: this.id, sql }) as Promise<SessionResult>;
  }

  materialize(sql: string, file: string, signal?: AbortSignal): Promise<number> {
    return this.call({ op: 'materialize', session: this.id, sql, file }, signal) as Promise<number>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const p = this.proc;
    this.proc = undefined;
    if (!p) return;
    try {
      if (p.alive) await p.request({ op: 'close', session: this.id });
    } catch {
      // A child that died took the session with it.
    } finally {
      this.host.release(p);
    }
  }

  private async call(
    req:
      | { op: 'query'; session: number; sql: string }
      | {
          op: 'materialize';
          session: number;
          sql: string;
          file: string;
        },
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (this.closed) throw new Error('the SQL session is closed');
    if (!this.proc?.alive) {
      if (this.proc) this.host.release(this.proc);
      this.proc = undefined;
      await this.openIn(this.host.pick());
    }
    return this.proc!.request(req, this.spec.statementTimeoutMs * 2 + WATCHDOG_GRACE_MS, signal);
  }
}
