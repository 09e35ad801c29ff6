/**
 * The error policy of a pipeline or connector: retry with exponential backoff and full jitter
 * (bounded attempts), then dead-letter the record to `<app>.dlq` or fail the app.
 */
import { z } from 'zod';

export const errorPolicySchema = z.object({
  retries: z.number().int().min(0).max(100).default(3).describe('attempts after the first failure'),
  backoffMs: z.number().int().min(0).default(100).describe('first retry delay; doubles each attempt'),
  maxBackoffMs: z.number().int().min(0).default(10_000).describe('upper bound of a retry delay'),
  onFailure: z.enum(['dead-letter', 'fail']).default('dead-letter').describe('after the last retry: write the record to <app>.dlq, or stop the app'),
});

export type ErrorPolicy = z.output<typeof errorPolicySchema>;

export function backoffDelay(policy: ErrorPolicy, attempt: number): number {
  const cap = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** attempt);
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = () => (clearTimeout(t), resolve());
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds or the retries are used up (or `signal` aborts); then, while
 * `goOn(lastError, attempts)` says so, with the policy's longest backoff. Returns the number of
 * attempts made and the last error (undefined on success).
 */
export async function withRetries(
  policy: ErrorPolicy,
  attempt: () => unknown,
  signal?: AbortSignal,
  firstError?: unknown,
  /** How a backoff waits (a TestDriver's clock does not make a test wait). */
  wait: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
  goOn: (error: unknown, attempts: number) => boolean = () => false,
): Promise<{ attempts: number; error?: unknown }> {
  let attempts = firstError === undefined ? 0 : 1;
  let error = firstError;
  if (firstError === undefined) {
    try {
      await attempt();
      return { attempts: 1 };
    } catch (err) {
      attempts = 1;
      error = err;
    }
  }
  for (let i = 0; (i < policy.retries || goOn(error, attempts)) && !signal?.aborted; i++) {
    await wait(backoffDelay(policy, i), signal);
    if (i >= policy.retries && signal?.aborted) break;
    attempts++;
    try {
      await attempt();
      return { attempts };
    } catch (err) {
      error = err;
    }
  }
  return { attempts, error };
}
