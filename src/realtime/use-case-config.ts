import type { z } from 'zod';
import { UseCaseConfigError } from './errors.js';

/**
 * Validates the settings of use case `name` (`realtime.useCases.<name>`, `{}` when absent)
 * with its schema, applying the schema's defaults. Throws UseCaseConfigError naming the
 * field and the problem.
 */
export function useCaseConfig<S extends z.ZodType>(
  name: string,
  schema: S,
  all: Readonly<Record<string, unknown>> | undefined,
): z.output<S> {
  const r = schema.safeParse(all?.[name] ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new UseCaseConfigError(name, issue.path.map(String).join('.'), issue.message);
}
