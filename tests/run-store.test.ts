// The run store: runs kept under <state-dir>/runs/<run id>/, listed newest first, and ids that
// cannot escape the runs folder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../simulator/core/clock.js';
import { listRuns, newRunId, readRun, runDir } from '../simulator/runs/run-store.js';
import { writeResults } from '../simulator/reports/results.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import { tempDir } from './helpers/fixtures.js';

function results(id: string): RunResults {
  return {
    run: { id, cdaSimVersion: '0', profile: 'p', provider: 'x', configDigest: '0', startedAt: '', finishedAt: '', scenarios: [] },
    summary: { total: 1, passed: 1, failed: 0, errors: 0, notRun: 0, notApplicable: 0 },
    testCases: [],
  };
}

test('run ids sort by start time and carry the UTC second', () => {
  const a = newRunId(new ManualClock(Date.parse('2026-11-24T10:15:00Z')));
  const b = newRunId(new ManualClock(Date.parse('2026-11-24T10:15:01Z')));
  assert.match(a, /^20261124T101500Z-[0-9a-f]{8}$/);
  assert.ok(a < b);
});

test('runs are listed newest first; a run without results is incomplete', () => {
  const state = tempDir();
  for (const id of ['20261124T100000Z-aaaaaaaa', '20261124T110000Z-bbbbbbbb']) writeResults(runDir(state, id), results(id));
  fs.mkdirSync(runDir(state, '20261124T120000Z-cccccccc'), { recursive: true });
  assert.equal(listRuns(state).map((r) => [r.id, r.state]), [
    ['20261124T120000Z-cccccccc', 'incomplete'],
    ['20261124T110000Z-bbbbbbbb', 'complete'],
    ['20261124T100000Z-aaaaaaaa', 'complete'],
  ]);
  assert.is(readRun(state, '20261124T110000Z-bbbbbbbb').run.id, '20261124T110000Z-bbbbbbbb');
  assert.throws(() => readRun(state, '20261124T120000Z-cccccccc'), /no complete run/);
  assert.equal(listRuns(path.join(state, 'nowhere')), []);
});

test('a run id cannot name a folder outside the runs folder', () => {
  assert.throws(() => runDir(tempDir(), '../etc'), /not a run id/);
  assert.throws(() => runDir(tempDir(), 'a/b'), /not a run id/);
});

test.run();
