// Every first view leg (S1-FL-*), over real sockets: the honest reference provider passes them all,
// and each deliberate defect fails EXACTLY the test ids that name its mistake.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rehearse } from '../simulator/rehearsal/rehearse.js';
import type { ProviderFault } from '../simulator/provider/reference-provider.js';
import type { RunResults } from '../simulator/reports/results.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

// S1-01 sends the finds whose PeIs the first legs view.
const FIRST_LEGS = ['S1-01', 'S1-44', 'S1-FL-01', 'S1-FL-02', 'S1-FL-03'];

async function run(faults: ProviderFault[], only: string[]): Promise<{ results: RunResults; exitCode: number }> {
  const { dir } = await sharedMaterial();
  const o = await rehearse({ stateDir: tempDir(), certsDir: dir, reportsDir: tempDir(), referenceFaults: faults, only, progress: () => {} });
  return { results: o.results, exitCode: o.exitCode };
}

const failing = (r: RunResults) => r.testCases.filter((t) => t.verdict !== 'pass').map((t) => t.id);
const reasonsOf = (r: RunResults, id: string) => r.testCases.find((t) => t.id === id)!.reasons.join(' | ');
const explain = (r: RunResults) => r.testCases.filter((t) => t.verdict !== 'pass').map((t) => `${t.id}: ${t.reasons.join(' | ')}`).join('\n');

test('the honest reference provider passes every first leg', async () => {
  const { results, exitCode } = await run([], FIRST_LEGS);
  assert.equal(failing(results), [], explain(results));
  assert.is(exitCode, 0);
  const ids = results.testCases.map((t) => t.id);
  for (const id of ['S1-FL-01', 'S1-FL-02', 'S1-FL-03']) assert.ok(ids.includes(id), `${id} was played`);
  assert.match(reasonsOf(results, 'S1-FL-02'), /"Authorization: Bearer" with no token: 401 .*no \/introspect/);
});

const cases: { fault: ProviderFault; only: string[]; fails: string[]; reasons: [string, RegExp][] }[] = [
  { fault: 'no-uma-challenge', only: FIRST_LEGS, fails: ['S1-44', 'S1-FL-01', 'S1-FL-02', 'S1-FL-03'], reasons: [['S1-FL-01', /no Authorization header got a 401 with no WWW-Authenticate header/]] },
  { fault: 'introspect-empty-bearer', only: FIRST_LEGS, fails: ['S1-FL-02'], reasons: [['S1-FL-02', /called \/introspect while answering a first view leg with "Authorization: Bearer" with no token/]] },
  { fault: 'introspect-any-scheme', only: FIRST_LEGS, fails: ['S1-FL-03'], reasons: [['S1-FL-03', /called \/introspect while answering a first view leg with "Authorization: Basic …" \(not Bearer\)/]] },
];

for (const c of cases) {
  test(`a provider with the defect "${c.fault}" fails exactly ${c.fails.join(', ')}`, async () => {
    const { results, exitCode } = await run([c.fault], c.only);
    assert.is(exitCode, 1);
    assert.equal(failing(results), c.fails, explain(results));
    for (const [id, re] of c.reasons) assert.match(reasonsOf(results, id), re, id);
  });
}

test('every first leg is caught by some defect', () => {
  const caught = new Set(cases.flatMap((c) => c.fails));
  for (const id of ['S1-FL-01', 'S1-FL-02', 'S1-FL-03']) assert.ok(caught.has(id), `${id} is caught by no defect`);
});

test.run();
