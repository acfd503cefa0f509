// The retry-growth rule judges the whole series of 5xx gaps: exponential backoff with jitter
// always passes it, a fixed interval with jitter never does, whatever the random draws.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backoffProblems } from '../simulator/scenarios/system-checks.js';
import { backoffMs, DEFAULT_RETRY } from '../simulator/provider/retry.js';

const draws = 2000;

test('exponential backoff with equal jitter (the reference provider’s) passes for every draw', () => {
  for (let i = 0; i < draws; i++) {
    const gaps = [1, 2, 3].map((n) => backoffMs(n, DEFAULT_RETRY, Math.random));
    assert.equal(backoffProblems(gaps), [], gaps.join(', '));
  }
  // Its extremes: the most of one doubling meets the least of the next.
  assert.equal(backoffProblems([500, 500, 1000]), []);
});

test('a fixed interval with ±20% jitter fails for every draw, over three gaps', () => {
  for (let i = 0; i < draws; i++) {
    const gaps = [1, 2, 3].map(() => Math.round(400 * (0.8 + Math.random() * 0.4)));
    assert.ok(backoffProblems(gaps).length > 0, gaps.join(', '));
  }
  assert.match(backoffProblems([320, 400, 480]).join(), /the last gap \(480 ms\) is under 1\.8× the first \(320 ms\) over 3 gaps/);
});

test('any gap shorter than the one before fails, wherever it falls in the series', () => {
  assert.match(backoffProblems([250, 600, 400, 2000]).join(), /gap 3 \(400 ms\) is shorter than gap 2 \(600 ms\)/);
  assert.match(backoffProblems([600, 300]).join(), /gap 2 \(300 ms\) is shorter than gap 1/);
  assert.equal(backoffProblems([300, 320]), [], 'two gaps: growing is enough');
});

test.run();
