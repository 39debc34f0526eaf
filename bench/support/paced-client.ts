/**
 * An open-loop HTTP load generator for `npm run bench -- ingest`: POSTs at an even rate
 * over a fixed pool of keep-alive connections, each latency counted from the request's
 * scheduled time (so a stalled server is not hidden, as in wrk2). It speaks HTTP/1.1 on
 * raw sockets with requests built once: node:http's client cost so much CPU at 5,000
 * requests/s that on 2 cores it measured itself (p99 70-110 ms against a server that only
 * answers).
 */
import { connect, type Socket } from 'node:net';

export interface PacedResult {
  /** Answered requests per second of the run. */
  rps: number;
  p50: number;
  p99: number;
  /** Answers that were not 2xx, and connection errors. */
  non2xx: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** Where a chunked body starting at `at` ends in `buf`, or -1 when it is not all there. */
function chunkedEnd(buf: Buffer, at: number): number {
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return -1;
    const size = Number.parseInt(buf.toString('latin1', at, eol), 16);
    if (size === 0) {
      const end = buf.indexOf('\r\n', eol + 2);
      return end < 0 ? -1 : end + 2;
    }
    at = eol + 2 + size + 2;
    if (at > buf.length) return -1;
  }
}

/** One keep-alive connection carrying one request at a time. */
class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private due = 0;
  busy = false;

  constructor(
    readonly socket: Socket,
    private readonly done: (c: Conn, due: number, ok: boolean) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  send(head: string, body: Buffer, due: number): void {
    this.busy = true;
    this.due = due;
    this.socket.cork();
    this.socket.write(head);
    this.socket.write(body);
    this.socket.uncork();
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const end = this.buf.indexOf(CRLF2);
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let next: number;
    if (m) {
      next = end + 4 + Number(m[1]);
      if (this.buf.length < next) return;
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const after = chunkedEnd(this.buf, end + 4);
      if (after < 0) return;
      next = after;
    } else next = end + 4;
    const status = Number(head.slice(9, 12));
    this.buf = this.buf.subarray(next);
    this.busy = false;
    this.done(this, this.due, status >= 200 && status < 300);
  }
}

/**
 * Sends `rate` POSTs per second of `body` to `url` for `seconds` over `connections`
 * connections; `header(i)` gives extra header lines of request i (each ending in CRLF).
 */
export async function pacedLoad(opts: {
  url: string;
  body: Buffer;
  rate: number;
  seconds: number;
  connections: number;
  header: (i: number) => string;
}): Promise<PacedResult> {
  const target = new URL(opts.url);
  const port = Number(target.port);
  const total = Math.max(1, Math.round(opts.rate * opts.seconds));
  const latencies: number[] = [];
  let non2xx = 0;
  let answered = 0;
  const queue: { i: number; due: number }[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const idle: Conn[] = [];
  const send = (c: Conn, i: number, due: number) =>
    c.send(
      `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: application/json\r\ncontent-length: ${opts.body.length}\r\n${opts.header(i)}\r\n`,
      opts.body,
      due,
    );
  const onDone = (c: Conn, due: number, ok: boolean) => {
    latencies.push(performance.now() - due);
    if (!ok) non2xx++;
    if (++answered === total) finish();
    const next = queue.shift();
    if (next) send(c, next.i, next.due);
    else idle.push(c);
  };
  const conns = await Promise.all(
    Array.from(
      { length: opts.connections },
      () =>
        new Promise<Conn>((resolve, reject) => {
          const s = connect(port, target.hostname, () => resolve(new Conn(s, onDone)));
          s.on('error', reject);
        }),
    ),
  );
  for (const c of conns) {
    c.socket.removeAllListeners('error');
    c.socket.on('error', () => {
      if (c.busy) {
        c.busy = false;
        non2xx++;
        if (++answered === total) finish();
      }
    });
    idle.push(c);
  }
  const start = performance.now() + 20;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / opts.rate <= now) {
        const due = start + (sent * 1000) / opts.rate;
        const c = idle.pop();
        if (c) send(c, sent, due);
        else queue.push({ i: sent, due });
        sent++;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(2, start + (sent * 1000) / opts.rate - now)));
    };
    tick();
  });
  await finished;
  for (const c of conns) c.socket.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { rps: answered / opts.seconds, p50: q(0.5), p99: q(0.99), non2xx };
}
