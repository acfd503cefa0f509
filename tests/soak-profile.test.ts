// The soak's schedule and its live line, as pure functions: how many finds are due by each moment
// for a constant rate, a ramp and steps (the open model sends exactly these, whatever has answered),
// and what the progress line says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { arrivalsBy, describeLoad, loadProfileOf, rateAt } from '../simulator/soak/load-profile.js';
import { statusLine } from '../simulator/soak/summary-text.js';
import { parseThreshold } from '../simulator/soak/thresholds.js';

test('a constant rate: due finds grow by the rate each second, and stop at the duration', () => {
  const p = loadProfileOf({ rate: '20/s', duration: '10m' });
  assert.is(p.durationMs, 600_000);
  assert.is(arrivalsBy(p, 1000), 20);
  assert.is(arrivalsBy(p, 600_000), 12_000);
  assert.is(arrivalsBy(p, 700_000), 12_000);
  assert.is(describeLoad(p), '20/s for 10m');
});

test('a ramp: the rate rises evenly, and the finds due are its integral', () => {
  const p = loadProfileOf({ ramp: '1/s..51/s', duration: '100s' });
  assert.is(rateAt(p, 0), 1);
  assert.is(rateAt(p, 50_000), 26);
  assert.is(rateAt(p, 100_000), 51);
  // ∫0..100 (1 + 0.5 t) dt = 100 + 2500
  assert.is(Math.round(arrivalsBy(p, 100_000)), 2600);
});

test('steps: each rate for its time, the last holding; --duration defaults to their total', () => {
  const p = loadProfileOf({ steps: '5/s:30s,20/s:1m' });
  assert.is(p.durationMs, 90_000);
  assert.is(rateAt(p, 29_999), 5);
  assert.is(rateAt(p, 30_000), 20);
  assert.is(arrivalsBy(p, 30_000), 150);
  assert.is(arrivalsBy(p, 90_000), 150 + 1200);
  const longer = loadProfileOf({ steps: '5/s:30s,20/s:1m', duration: '2m' });
  assert.is(arrivalsBy(longer, 120_000), 150 + 20 * 90);
});

test('thresholds read as k6 writes them, in their units', () => {
  assert.equal(parseThreshold('find-ack:p99<2s'), { text: 'find-ack:p99<2s', metric: 'find-ack', stat: 'p99', op: '<', value: 2000 });
  assert.equal(parseThreshold('availability>99.5%'), { text: 'availability>99.5%', metric: 'availability', op: '>', value: 0.995 });
  assert.equal(parseThreshold('slow-views<=0'), { text: 'slow-views<=0', metric: 'slow-views', op: '<=', value: 0 });
  assert.equal(parseThreshold('view:p99.9<=500ms').value, 500);
});

test('the live line: elapsed, rate asked, sent and answered, p99 so far, errors', () => {
  const line = statusLine({ elapsedMs: 12_400, durationMs: 600_000, draining: false, askedRate: 20, sentRate: 19.94, answeredRate: 19.8, findAckP99: 12.34, errors: 1, inFlight: 14, sent: 248, views: 300 });
  assert.is(line, 'soak 0:00:12 of 0:10:00 · rate 20.0/s asked, 19.9/s sent, 19.8/s answered · find-ack p99 12.3 ms · 1 error · 14 in flight · 300 views');
  assert.match(statusLine({ elapsedMs: 601_000, durationMs: 600_000, draining: true, askedRate: 0, sentRate: 0, answeredRate: 3, errors: 0, inFlight: 2, sent: 12_000, views: 14_000 }), /^soak 0:10:01: all 12000 finds sent, awaiting answers · find-ack p99 – · 0 errors/);
});

test.run();
