// The opt-in retry of 429 answers: wait what Retry-After says, or an exponential backoff if longer.

/** Retry a request refused with 429 (it was not executed, so a retried POST is safe). Nothing else is retried. */
export interface RetryPolicy {
  /** Tries in all, the first included (default 4). */
  attempts?: number;
  /** The first backoff in milliseconds, doubled for each further retry (default 500). */
  backoffMs?: number;
  /** The longest wait in milliseconds (default 30000). */
  maxDelayMs?: number;
}

/** Milliseconds to wait before the next try, or undefined when every attempt is used. */
export function retryDelayMs(policy: RetryPolicy, triesSoFar: number, retryAfterSeconds?: number): number | undefined {
  const attempts = policy.attempts ?? 4;
  if (triesSoFar >= attempts) return undefined;
  const backoff = (policy.backoffMs ?? 500) * 2 ** (triesSoFar - 1);
  const retryAfter = (retryAfterSeconds ?? 0) * 1000;
  return Math.min(policy.maxDelayMs ?? 30_000, Math.max(retryAfter, backoff));
}

/** Retry-After as seconds: a number of seconds or an HTTP date; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}
