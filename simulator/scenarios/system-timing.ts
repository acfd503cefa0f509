// Timing of the system-test cases. A correct provider pauses between retries (Retry-After, backoff),
// so a case cannot tell "still waiting to retry" from "gave up" until the provider has been quiet
// longer than any pause it may legitimately take. Users get the harness's timings; cda-sim's own
// tests shorten them (rehearse option `systemTest`) so its suite stays fast. Everything is bounded.
export interface SystemTestTiming {
  /** Retry-After sent with an injected 429 whose step names none; by default 2–10 s, as the harness. */
  retryAfterSeconds?: number;
  /** Quiet at the C&A that counts as "the provider has finished or given up" (ms). */
  settleQuietMs: number;
}

/** Longer than the harness's longest Retry-After (10 s), with a margin. */
export const DEFAULT_SYSTEM_TIMING: SystemTestTiming = { settleQuietMs: 12_000 };
