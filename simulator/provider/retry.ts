// Retrying C&A calls. PDP's error-handling guidance is not public in detail (pdp-protocol §11.2),
// but MaPS's test harness makes the expectations plain (test-phases §2.10, pitfall P9):
//
//   429                  back off for the Retry-After the C&A sends (the harness sends 2–10 s)
//   500, 502, 503, 504   retry with exponential backoff (with jitter, so many providers that failed
//   network error        together do not all come back in the same instant), never sooner than a
//                        Retry-After the answer carries
//   404                  stop: on /rreguri it means the user has been removed (scenario 7)
//   400, 401, 409        stop and log: sending the same thing again cannot succeed
//   anything else        stop
//
// and never more than `maxAttempts` calls in all. Time and randomness are passed in, so the policy
// is tested without waiting (tests/reference-provider-retry.test.ts).
import { retryAfterMs } from '../http/retry-after.js';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 10_000 };

export interface RetryEnv {
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1), for jitter. */
  random(): number;
  /** Milliseconds since the epoch (to read a Retry-After given as an HTTP date). */
  now(): number;
  log(line: string): void;
  /** FAULT (for cda-sim's own tests): bend a decision, as a careless retrier would. */
  bend?: (decision: Decision, outcome: HttpAnswer | Error) => Decision;
}

/** What an attempt produced: an HTTP answer, or an error thrown before one arrived. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
}

export type Decision = { action: 'done' } | { action: 'retry'; delayMs: number; why: string } | { action: 'stop'; why: string };

const RETRY_WITH_BACKOFF = new Set([500, 502, 503, 504]);

/** Exponential backoff for the n-th failure (1-based), capped, with "equal jitter": half fixed, half random. */
export function backoffMs(failure: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failure - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Decide what to do after one attempt. */
export function decide(outcome: HttpAnswer | Error, failure: number, policy: RetryPolicy, env: Pick<RetryEnv, 'random' | 'now'>): Decision {
  if (outcome instanceof Error) {
    return { action: 'retry', delayMs: backoffMs(failure, policy, env.random), why: `network error: ${outcome.message}` };
  }
  const { status } = outcome;
  if (status >= 200 && status < 300) return { action: 'done' };
  if (status === 429) {
    const fromHeader = retryAfterMs(outcome.headers['retry-after'], env.now());
    // Honour the C&A's Retry-After; without one, fall back to our own backoff.
    return fromHeader !== undefined
      ? { action: 'retry', delayMs: fromHeader, why: `429 Too Many Requests, Retry-After ${outcome.headers['retry-after']}` }
      : { action: 'retry', delayMs: backoffMs(failure, policy, env.random), why: '429 Too Many Requests without Retry-After' };
  }
  if (RETRY_WITH_BACKOFF.has(status)) {
    // A 503 may say when to come back (RFC 9110 §10.2.3): never sooner than it asks.
    const asked = retryAfterMs(outcome.headers['retry-after'], env.now()) ?? 0;
    return { action: 'retry', delayMs: Math.max(asked, backoffMs(failure, policy, env.random)), why: `${status} from the C&A` };
  }
  if (status === 404) return { action: 'stop', why: '404: the user or resource is gone (user removed); retrying cannot help' };
  return { action: 'stop', why: `${status}: the C&A refused the request; sending it again cannot succeed` };
}

export interface RetryOutcome<T extends HttpAnswer> {
  ok: boolean;
  /** The last answer, if any attempt got one. */
  answer?: T;
  /** The last error, if the last attempt got no answer. */
  error?: Error;
  attempts: number;
  /** Why it stopped, when not ok. */
  why?: string;
}

/**
 * Run `attempt` until it succeeds, the policy says stop, or maxAttempts is reached.
 * `attempt` gets the attempt number (1-based) and must build a fresh request each time
 * (in particular a fresh X-Request-ID: a reused one on /rreguri answers 409, test-phases P2).
 */
export async function withRetries<T extends HttpAnswer>(what: string, policy: RetryPolicy, env: RetryEnv, attempt: (n: number) => Promise<T>): Promise<RetryOutcome<T>> {
  const max = Math.max(1, policy.maxAttempts);
  let last: RetryOutcome<T> = { ok: false, attempts: 0 };
  for (let n = 1; n <= max; n++) {
    let outcome: T | Error;
    try {
      outcome = await attempt(n);
    } catch (err) {
      outcome = err instanceof Error ? err : new Error(String(err));
    }
    last = outcome instanceof Error ? { ok: false, error: outcome, attempts: n } : { ok: false, answer: outcome, attempts: n };
    const decided = decide(outcome, n, policy, env);
    const d = env.bend ? env.bend(decided, outcome) : decided;
    const result = outcome instanceof Error ? `error (${outcome.message})` : String(outcome.status);
    if (d.action === 'done') {
      env.log(`${what}: attempt ${n}/${max} → ${result}`);
      return { ...last, ok: true };
    }
    if (d.action === 'stop') {
      env.log(`${what}: attempt ${n}/${max} → ${result}; giving up: ${d.why}`);
      return { ...last, why: d.why };
    }
    if (n === max) {
      const why = `${d.why}; no attempts left (${max})`;
      env.log(`${what}: attempt ${n}/${max} → ${result}; giving up: ${why}`);
      return { ...last, why };
    }
    env.log(`${what}: attempt ${n}/${max} → ${result}; retrying in ${d.delayMs} ms (${d.why})`);
    await env.sleep(d.delayMs);
  }
  return last;
}
