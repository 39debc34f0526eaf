/** Reading the admin API's inputs: each bad one is a ConsoleInputError (answered 400). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConsoleInputError } from './console-backend.js';

/** `v` as a string; undefined when absent and not `required`. */
export function str(v: unknown, what: string, required = true): string | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) throw new ConsoleInputError(`${what} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new ConsoleInputError(`${what} must be a string`);
  return v;
}

/** A list of strings from an array or a comma-separated string; undefined when empty. */
export function list(v: unknown, what: string): string[] | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : undefined;
  if (!items || items.some((x) => typeof x !== 'string'))
    throw new ConsoleInputError(`${what} must be a list of strings`);
  const out = (items as string[]).map((x) => x.trim()).filter((x) => x !== '');
  return out.length > 0 ? out : undefined;
}

/** A time as ISO 8601, epoch ms, or relative to now (`-90m`, `-2h`, `-30s`). */
export function time(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const s = str(v, what) as string;
  const rel = /^-(\d+(?:\.\d+)?)(s|m|h)$/.exec(s);
  if (rel)
    return (
      Date.now() - Number(rel[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[rel[2] as 's' | 'm' | 'h']
    );
  const t = /^\d{12,}$/.test(s) ? Number(s) : Date.parse(s);
  if (Number.isNaN(t))
    throw new ConsoleInputError(`${what} "${s}" is not a time (ISO 8601, epoch ms, or -30m / -2h)`);
  return t;
}

/** A Fastify route handler. */
export type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Runs `h`, answering a ConsoleInputError 400 with its message. */
export const guarded =
  (h: Handler): Handler =>
  async (req, reply) => {
    try {
      return await h(req, reply);
    } catch (err) {
      if (err instanceof ConsoleInputError)
        return reply.code(400).send({ error: 'bad_request', message: err.message });
      throw err;
    }
  };

/** An integer query parameter from `min` to `max`, `dflt` when absent. */
export function int(v: unknown, what: string, min: number, max: number, dflt: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConsoleInputError(`${what} must be an integer from ${min} to ${max} (got "${v}")`);
  return n;
}
