// Every rule on a find (S1-FT-*) and every first view leg (S1-FL-*), over real sockets: the honest
// reference provider passes them all with reasons naming the token and the claim, and each is caught
// by some deliberate defect of tests/defect-catalogue.json.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../simulator/core/paths.js';
import { rehearse } from './helpers/rehearse.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

const ft = (...n: number[]) => n.map((i) => `S1-FT-${String(i).padStart(2, '0')}`);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
// S1-01 sends the finds whose PeIs the first legs view.
const FIRST_LEGS = ['S1-01', 'S1-44', 'S1-FL-01', 'S1-FL-02', 'S1-FL-03'];

async function run(only: string[]): Promise<{ results: RunResults; exitCode: number }> {
  const { dir } = await sharedMaterial();
  const o = await rehearse({ stateDir: tempDir(), certsDir: dir, reportsDir: tempDir(), only, progress: () => {} });
  return { results: o.results, exitCode: o.exitCode };
}

const failing = (r: RunResults) => r.testCases.filter((t) => t.verdict !== 'pass').map((t) => t.id);
const reasonsOf = (r: RunResults, id: string) => r.testCases.find((t) => t.id === id)!.reasons.join(' | ');
const explain = (r: RunResults) => r.testCases.filter((t) => t.verdict !== 'pass').map((t) => `${t.id}: ${t.reasons.join(' | ')}`).join('\n');

test('the honest reference provider passes every find rule and every first leg', async () => {
  const { results, exitCode } = await run(['S1-FT', ...FIRST_LEGS]);
  assert.equal(failing(results), [], explain(results));
  assert.is(exitCode, 0);
  const ids = results.testCases.map((t) => t.id);
  for (const id of [...ft(...range(1, 32)), 'S1-FL-01', 'S1-FL-02', 'S1-FL-03']) assert.ok(ids.includes(id), `${id} was played`);
  // A pass says what was refused and why, naming the token and the claim.
  assert.match(reasonsOf(results, 'S1-FT-05'), /user_token has `exp` in the past \(expired\): refused with 400/);
  assert.match(reasonsOf(results, 'S1-FT-30'), /find_request_token has no `request_id` claim: refused with 400.*no C&A call/);
  assert.match(reasonsOf(results, 'S1-FL-02'), /"Authorization: Bearer" with no token: 401 .*no \/introspect/);
});

// Which defect fails which id is played by tests/defect-detection.test.ts, from the catalogue.
test('every find rule and first leg is caught by some defect of the catalogue', () => {
  const catalogue: { catches: string[] }[] = JSON.parse(fs.readFileSync(path.join(packageRoot, 'tests', 'defect-catalogue.json'), 'utf8')).defects;
  const caught = new Set(catalogue.flatMap((c) => c.catches));
  for (const id of [...ft(...range(1, 32)), 'S1-FL-01', 'S1-FL-02', 'S1-FL-03']) assert.ok(caught.has(id), `${id} is caught by no defect`);
});

test.run();
