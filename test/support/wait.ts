/**
 * A bounded wait for a condition the test cannot be told about (a connector's progress, a row in
 * Postgres): polls `cond` until it holds. A bound, not a timing assertion: it fails only when the
 * condition never holds, naming what was awaited.
 */
export async function until(cond: () => boolean | Promise<boolean>, ms = 30_000, what = 'condition', everyMs = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
