// The reference provider's retry policy for /token and /rreguri (test-phases §2.10, pitfall P9),
// with a fake sleep and fixed jitter: nothing waits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backoffMs, DEFAULT_RETRY, withRetries, type HttpAnswer, type RetryEnv } from '../simulator/provider/retry.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function fakeEnv(random = 0.5) {
  const slept: number[] = [];
  const lines: string[] = [];
  const env: RetryEnv = { sleep: async (ms) => void slept.push(ms), random: () => random, now: () => NOW, log: (l) => lines.push(l) };
  return { env, slept, lines };
}

/** An attempt function that answers the given statuses in turn (an Error means "no answer"). */
function script(...steps: (number | [number, Record<string, string>] | Error)[]) {
  let i = 0;
  const calls: number[] = [];
  const attempt = async (n: number): Promise<HttpAnswer> => {
    calls.push(n);
    const step = steps[Math.min(i++, steps.length - 1)];
    if (step instanceof Error) throw step;
    return Array.isArray(step) ? { status: step[0], headers: step[1] } : { status: step, headers: {} };
  };
  return { attempt, calls };
}

test('429 with Retry-After: waits exactly that long, then succeeds', async () => {
  const { env, slept } = fakeEnv();
  const { attempt, calls } = script([429, { 'retry-after': '7' }], 201);
  const out = await withRetries('rreguri', DEFAULT_RETRY, env, attempt);
  assert.ok(out.ok);
  assert.is(out.attempts, 2);
  assert.equal(slept, [7000]);
  assert.equal(calls, [1, 2]);
});

test('429 with Retry-After as an HTTP date is honoured too', async () => {
  const { env, slept } = fakeEnv();
  const { attempt } = script([429, { 'retry-after': new Date(NOW + 4000).toUTCString() }], 200);
  assert.ok((await withRetries('token', DEFAULT_RETRY, env, attempt)).ok);
  assert.equal(slept, [4000]);
});

test('500/502/503/504: exponential backoff that grows, within bounds, then gives up after maxAttempts', async () => {
  const { env, slept, lines } = fakeEnv(0.999999);
  const { attempt, calls } = script(500, 502, 503, 504, 503, 503);
  const out = await withRetries('rreguri', DEFAULT_RETRY, env, attempt);
  assert.not.ok(out.ok);
  assert.is(out.attempts, 5);
  assert.equal(calls, [1, 2, 3, 4, 5]);
  assert.is(slept.length, 4, 'no sleep after the last attempt');
  for (let i = 1; i < slept.length; i++) assert.ok(slept[i] > slept[i - 1], `backoff grows: ${slept}`);
  assert.equal(slept, [500, 1000, 2000, 4000]);
  assert.is(out.answer?.status, 503);
  assert.match(out.why ?? '', /no attempts left/);
  assert.is(lines.length, 5, 'one log line per attempt');
});

test('backoff has jitter and is capped at maxDelayMs', () => {
  const policy = { maxAttempts: 10, baseDelayMs: 500, maxDelayMs: 3000 };
  assert.is(backoffMs(1, policy, () => 0), 250, 'at least half the ceiling');
  assert.is(backoffMs(1, policy, () => 0.999999), 500);
  assert.is(backoffMs(8, policy, () => 0.999999), 3000, 'capped');
});

test('a network error is retried with backoff', async () => {
  const { env, slept } = fakeEnv();
  const { attempt } = script(new Error('ECONNREFUSED'), 201);
  const out = await withRetries('rreguri', DEFAULT_RETRY, env, attempt);
  assert.ok(out.ok);
  assert.is(slept.length, 1);
});

test('404 (user removed) stops at once', async () => {
  const { env, slept } = fakeEnv();
  const { attempt, calls } = script(404, 201);
  const out = await withRetries('rreguri', DEFAULT_RETRY, env, attempt);
  assert.not.ok(out.ok);
  assert.equal(calls, [1]);
  assert.equal(slept, []);
  assert.match(out.why ?? '', /user removed/);
});

for (const status of [400, 401, 409]) {
  test(`${status} stops at once`, async () => {
    const { env, slept } = fakeEnv();
    const { attempt, calls } = script(status, 201);
    const out = await withRetries('rreguri', DEFAULT_RETRY, env, attempt);
    assert.not.ok(out.ok);
    assert.equal(calls, [1]);
    assert.equal(slept, []);
    assert.is(out.answer?.status, status);
  });
}

test('maxAttempts bounds repeated 429s too', async () => {
  const { env, slept } = fakeEnv();
  const { attempt, calls } = script([429, { 'retry-after': '2' }]);
  const out = await withRetries('token', { ...DEFAULT_RETRY, maxAttempts: 3 }, env, attempt);
  assert.not.ok(out.ok);
  assert.equal(calls, [1, 2, 3]);
  assert.equal(slept, [2000, 2000]);
});

test.run();
