/**
 * One child process of a SessionHost: started with `fork` (TypeScript entries through
 * tsx), spoken to over IPC with numbered requests (host-messages.ts). When it exits for
 * any reason, every request it had not answered rejects with SqlHostError; the owner
 * starts another for the next statement.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SqlHostError, SqlInterruptedError } from '../errors.js';
import {
  CUSTOMER_SQL_NICENESS,
  fromWireError,
  type HostReply,
  type HostRequest,
} from './host-messages.js';

type Waiter = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout };

/** DuckDB's node binding holds a libuv thread for each running statement; the default 4 would queue sessions behind each other. */
const CHILD_UV_THREADPOOL_SIZE = '32';
/** Wait for a child to exit on its own after its channel closes before it is killed. */
const STOP_GRACE_MS = 2000;

/** Distributes a request without its id. */
type Request = HostRequest extends infer R
  ? R extends HostRequest
    ? Omit<R, 'id'>
    : never
  : never;

export class HostProcess {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private exitReason: string | undefined;
  /** Sessions open in this process. */
  sessions = 0;
  /** Resident set size, bytes, as of its last answer. */
  rss = 0;
  /** Resident set size at its first answer: what it returns to when idle. */
  baselineRss: number | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;

  constructor(entry: URL, onExit: (p: HostProcess) => void) {
    const ts = entry.pathname.endsWith('.ts');
    this.child = fork(fileURLToPath(entry), [], {
      execArgv: ts ? ['--import', import.meta.resolve('tsx')] : [],
      serialization: 'advanced',
      env: { ...process.env, UV_THREADPOOL_SIZE: CHILD_UV_THREADPOOL_SIZE },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // Before Node in the child starts its threads, where possible: they inherit this, and
    // loading its modules is already customer-SQL work, not the serving process's.
    if (this.child.pid !== undefined)
      try {
        setPriority(this.child.pid, CUSTOMER_SQL_NICENESS);
      } catch {
        // Gone already, or refused: the child lowers its own threads' priority anyway.
      }
    this.child.unref();
    this.idle();
    this.child.on('message', (m: HostReply) => this.answer(m));
    this.exited = new Promise((resolve) => {
      const done = (why: string) => {
        if (this.exitReason !== undefined) return;
        this.exitReason = why;
        const err = new SqlHostError(
          `the process running customer SQL (pid ${this.child.pid}) ${why} while the statement ran; the next statement runs in a new one`,
        );
        for (const w of this.waiting.values()) {
          clearTimeout(w.timer);
          w.reject(err);
        }
        this.waiting.clear();
        onExit(this);
        resolve();
      };
      this.child.on('exit', (code, signal) =>
        done(signal ? `was killed by ${signal}` : `exited with code ${code}`),
      );
      this.child.on('error', (err) => {
        done(`failed (${err.message})`);
        this.child.kill('SIGKILL');
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** False once the process has exited (or failed to start). */
  get alive(): boolean {
    return this.exitReason === undefined;
  }

  /**
   * Sends `req` and resolves with the child's answer, or rejects with its error rebuilt
   * (errors.ts). `watchdogMs`: a child that has not answered by then is killed (a wedged
   * DuckDB ignores its own interrupt), which rejects every request it had. `signal` asks the
   * child to interrupt the request (a materialize), which then rejects with
   * SqlInterruptedError.
   */
  request(req: Request, watchdogMs?: number, signal?: AbortSignal): Promise<unknown> {
    if (!this.alive)
      return Promise.reject(
        new SqlHostError(`the process running customer SQL ${this.exitReason}`),
      );
    if (signal?.aborted) return Promise.reject(new SqlInterruptedError());
    const id = this.nextId++;
    // The child answers an interrupt as a request of its own, which no one waits for.
    const interrupt = () => {
      if (this.waiting.has(id) && this.child.connected)
        this.child.send({ id: this.nextId++, op: 'interrupt', target: id }, () => undefined);
    };
    signal?.addEventListener('abort', interrupt, { once: true });
    const settled = () => signal?.removeEventListener('abort', interrupt);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        resolve: (v) => {
          settled();
          resolve(v);
        },
        reject: (e) => {
          settled();
          reject(e);
        },
      };
      if (watchdogMs !== undefined)
        w.timer = setTimeout(() => this.child.kill('SIGKILL'), watchdogMs).unref();
      if (this.waiting.size === 0) this.busy();
      this.waiting.set(id, w);
      this.child.send({ ...req, id } as HostRequest, (err) => {
        if (err && this.waiting.delete(id)) {
          clearTimeout(w.timer);
          reject(
            new SqlHostError(`could not reach the process running customer SQL: ${err.message}`),
          );
        }
      });
    });
  }

  /** Ends the process: its channel closes (it exits by itself), then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.alive) {
      this.child.ref(); // until its exit is seen
      if (this.child.connected) this.child.disconnect();
      const t = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(t);
    }
  }

  private answer(m: HostReply): void {
    this.rss = m.rss;
    this.baselineRss ??= m.rss;
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    clearTimeout(w.timer);
    if (this.waiting.size === 0) this.idle();
    if (m.ok) w.resolve(m.value);
    else w.reject(fromWireError(m.error));
  }

  // The channel and the process keep the serving process alive only while a request is
  // outstanding. The process too: a child that dies closes its channel before its exit is
  // seen, and that exit is what answers the outstanding requests (with SqlHostError).
  private busy(): void {
    this.child.ref();
    (this.child.channel as { ref?: () => void } | undefined)?.ref?.();
  }

  private idle(): void {
    this.child.unref();
    (this.child.channel as { unref?: () => void } | undefined)?.unref?.();
  }
}
