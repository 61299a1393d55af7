/** The retry delay, as one small pure function (unit-tested without a clock or a server). */

export interface RetryPolicy {
  /** Attempts after the first. */
  limit: number;
  /** First backoff step. */
  baseDelayMs: number;
  /** Upper bound of the exponential backoff. */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the run fails and says so. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  limit: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 300_000,
};

/** Parse Retry-After (delta seconds or an HTTP date) into milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/u.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Milliseconds to wait before attempt `attempt` (1 = the first retry; at least 1), or -1 to give up.
 * Retry-After wins when present (the server knows best); otherwise capped exponential backoff with
 * full jitter, so many collectors do not retry in lockstep.
 */
export function retryDelay(options: {
  attempt: number;
  policy: RetryPolicy;
  retryAfterMs: number | undefined;
  random: () => number;
}): number {
  const { attempt, policy, retryAfterMs, random } = options;
  if (attempt > policy.limit) return -1;
  if (retryAfterMs !== undefined) {
    if (retryAfterMs > policy.maxRetryAfterMs) return -1;
    // A little jitter on top so a storm of clients does not return at the same instant. Never 0:
    // got reads a delay of 0 as "do not retry", so `Retry-After: 0` would give up one time in 250.
    return Math.max(1, retryAfterMs + Math.floor(random() * 250));
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.max(50, Math.floor(random() * ceiling));
}
