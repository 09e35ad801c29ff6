/** Options of an App or ThreadedApp checked against their zod schema at construction. */
import type { z } from 'zod';
import { AppConfigError } from './errors.js';

/** The parsed options; the first issue becomes an AppConfigError naming its field (or `what`). */
export function parseOptions<S extends z.ZodTypeAny>(schema: S, options: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data as z.output<S>;
  const i = parsed.error.issues[0]!;
  throw new AppConfigError(`${i.path.join('.') || what}: ${i.message}`);
}
