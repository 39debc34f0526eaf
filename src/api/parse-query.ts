import type { z } from 'zod';
import { formatPath } from '../model/validate.js';
import { BadRequestError } from './errors.js';

/**
 * Validates a query string object with `schema`. Throws BadRequestError whose message
 * names the first bad field (`departureDate: must be ...`) and lists every issue.
 */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const r = schema.safeParse(query ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({ field: k, message: 'unknown parameter' }));
    }
    return [{ field: formatPath(i.path), message: i.message }];
  });
  const first = issues[0] ?? { field: '(query)', message: 'invalid query' };
  throw new BadRequestError(`${first.field}: ${first.message}`, first.field, issues);
}
