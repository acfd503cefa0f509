// A run's own record: inputs written whole, every exchange appended as it is journalled, and a run
// taken on again (resumed after a pause) catching up on what it lacks without doubling anything.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { Journal } from '../simulator/store/journal.js';
import { DEFAULT_BUDGETS } from '../simulator/config/provider-config.js';
import { loadTestData } from '../simulator/testdata/records.js';
import { loadTestUsers } from '../simulator/testdata/users.js';
import { loadScenario } from '../simulator/scenarios/engine.js';
import { readRunJournal, startRunRecord } from '../simulator/runs/run-record.js';
import { tempDir } from './helpers/fixtures.js';

const entry = (p: string) => ({ direction: 'in' as const, role: 'ca', method: 'POST', url: p, path: p, requestHeaders: {}, status: 201, responseHeaders: {}, durationMs: 1 });

test('the run keeps its inputs and appends each exchange; a resumed run adds only what it lacks', () => {
  const state = tempDir();
  const dir = path.join(state, 'runs', 'r1');
  const config = { provider: { findUrl: 'https://p/find', viewUrl: 'https://p/view', holdernameGuids: [], viewTokenKey: { jwksUrl: 'https://p/jwks' } }, budgets: { ...DEFAULT_BUDGETS } };
  const inputs = { scenarios: [loadScenario('connection-proving')], users: loadTestUsers(), testData: loadTestData(), config, options: { compat: 'maps-harness' } };
  const first = new Journal(state, () => Date.parse('2026-11-24T10:00:00Z'));
  startRunRecord(dir, { journal: first, ...inputs, referenceFaults: [] });
  const a = first.record(entry('/token'));
  const b = first.record(entry('/rreguri'));
  assert.equal(readRunJournal(dir).map((e) => e.seq), [a.seq, b.seq]);
  for (const f of ['scenarios/connection-proving.json', 'inputs/test-users.json', 'inputs/testdata.json', 'config.json', 'options.json', 'versions.json']) assert.ok(fs.existsSync(path.join(dir, f)), f);
  assert.is(JSON.parse(fs.readFileSync(path.join(dir, 'options.json'), 'utf8')).compat, 'maps-harness');
  first.close();
  // While the run was paused, another process journalled one more exchange.
  const between = new Journal(state, () => Date.parse('2026-11-24T10:05:00Z'));
  const c = between.record(entry('/rreguri/x'));
  between.close();
  // Resumed: the live journal since the pause holds b and c; the run lacks only c.
  const resumed = new Journal(state, () => Date.parse('2026-11-24T10:06:00Z'));
  startRunRecord(dir, { journal: resumed, ...inputs, referenceFaults: [], earlier: [b, c] });
  const d = resumed.record(entry('/introspect'));
  assert.equal(readRunJournal(dir).map((e) => e.seq), [a.seq, b.seq, c.seq, d.seq]);
  resumed.close();
});

test.run();
