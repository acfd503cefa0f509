// Deliberately broken reference providers against Stage 1 and Stage 2, over real sockets: each must
// fail EXACTLY the expected test ids (no more, no fewer) with a reason that names the rule. Each
// plays only the test cases its defect needs, plus a few that must still pass beside them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rehearse } from '../simulator/rehearsal/rehearse.js';
import type { ProviderFault } from '../simulator/provider/reference-provider.js';
import type { RunResults } from '../simulator/reports/results.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

const S2 = ['S2-01', 'S2-02', 'S2-03', 'S2-04', 'S2-05', 'S2-06', 'S2-07', 'S2-08'];
const NEAR_MISSES = ['S1-NM-01', 'S1-NM-02', 'S1-NM-03', 'S1-NM-04', 'S1-NM-05', 'S1-NM-06', 'S1-NM-07', 'S1-NM-08'];
// S1-01 sends the finds every other test case builds on.
const FINDS = 'S1-01';

async function run(fault: ProviderFault, only: string[]): Promise<{ results: RunResults; exitCode: number }> {
  const { dir } = await sharedMaterial();
  // A short update window: a provider that ignores the file is not waited for a minute.
  const o = await rehearse({ stateDir: tempDir(), certsDir: dir, reportsDir: tempDir(), referenceFaults: [fault], only, budgets: { updateWindowMs: 1500 }, progress: () => {} });
  return { results: o.results, exitCode: o.exitCode };
}

const failing = (r: RunResults) => r.testCases.filter((t) => t.verdict !== 'pass').map((t) => t.id);
const reasonsOf = (r: RunResults, id: string) => r.testCases.find((t) => t.id === id)!.reasons.join(' | ');

const cases: { fault: ProviderFault; only: string[]; fails: string[]; reasons: [string, RegExp][] }[] = [
  {
    fault: 'ignore-update-file',
    only: [FINDS, ...S2],
    fails: ['S2-01', 'S2-02', 'S2-03', 'S2-04', 'S2-05', 'S2-07', 'S2-08'],
    reasons: [
      ['S2-01', /no PATCH \/rreguri\/\S+ \{"match_status":"match-yes"\} reached the C&A within 1\.5 s/],
      ['S2-03', /no DELETE \/rreguri\/\S+\?deletion_reason=match-timeout reached the C&A/],
      ['S2-07', /definite match \(match-yes\), but this arrangement is a possible-match arrangement/],
      ['S2-08', /still holds .* as match-possible/],
    ],
  },
  {
    fault: 'wrong-deletion-reason',
    only: [FINDS, ...S2],
    fails: ['S2-02', 'S2-03', 'S2-04'],
    reasons: [
      ['S2-02', /deletion_reason asset-removed; "reject-match" needs deletion_reason=match-no/],
      ['S2-04', /deletion_reason asset-removed; "withdraw-match" needs deletion_reason=match-withdrawn/],
    ],
  },
  {
    fault: 'register-possible-as-definite',
    // The possible matches' registrations (IT03, IT04, IT05, IT10) and views; IT01's beside them.
    only: [FINDS, 'S1-02', 'S1-04', 'S1-05', 'S1-06', 'S1-11', 'S1-27', 'S1-29', 'S1-30', 'S1-31', 'S1-35', ...S2],
    fails: ['S1-04', 'S1-05', 'S1-06', 'S1-11', 'S1-29', 'S1-30', 'S1-31', 'S1-35', 'S2-01', 'S2-02', 'S2-03', 'S2-08'],
    reasons: [
      ['S1-04', /match_status is match-yes; expected match-possible/],
      ['S1-29', /the PeI is a possible match, but this arrangement has possibleMatch false/],
      ['S2-01', /was match-yes at the end of Stage 1; match-yes is a valid transition only from match-possible/],
      ['S2-02', /→ 400 .*the C&A refused it/],
    ],
  },
  {
    fault: 'full-data-for-possible-match',
    only: [FINDS, 'S1-27', 'S1-29', 'S1-30', 'S1-31', 'S1-35', ...S2],
    fails: ['S1-29', 'S1-30', 'S1-31', 'S1-35'],
    reasons: [['S1-35', /possible match, but this arrangement has possibleMatch false.*POSSIBLE_MATCH_TOO_MUCH_DATA/]],
  },
  {
    fault: 'ignore-permission-expiry',
    only: [FINDS, 'S1-46', 'S1-47', 'S1-48', 'S1-49', 'S1-50', 'S1-51', 'S1-52'],
    fails: ['S1-51'],
    reasons: [['S1-51', /returned view data \(200\) where it must return none/]],
  },
  {
    fault: 'match-on-one-key',
    // Over-matching: each near miss gets a possible match; the users who share nothing, and IT01's match, are untouched.
    only: [FINDS, ...NEAR_MISSES, 'S1-02', 'S1-09', 'S1-55', 'S1-56'],
    fails: NEAR_MISSES,
    reasons: [
      ['S1-NM-01', /the provider registered after this find, which must register nothing: POST \/rreguri/],
      ['S1-NM-06', /the provider registered after this find, which must register nothing/],
    ],
  },
  {
    fault: 'reuse-request-id',
    // One X-Request-ID on every C&A call but POST /rreguri (the only one the C&A refuses it on).
    only: ['CP-01', 'CP-02', 'CP-03', 'CP-04', 'CP-05', 'CP-06', 'CP-09', 'CP-10', FINDS, 'S1-02', 'S1-04', 'S1-27', 'S1-55', 'S1-56', ...S2, 'S2-09'],
    fails: ['CP-10', 'S1-56', 'S2-09'],
    reasons: [
      ['CP-10', /X-Request-ID \S+ was sent on \d+ C&A calls \(.*POST \/token.*POST \/perm.*POST \/introspect.*\); every call needs a new UUID/],
      ['S2-09', /was sent on \d+ C&A calls \(.*PATCH \/rreguri\/\{id\}.*DELETE \/rreguri\/\{id\}/],
    ],
  },
];

test('the honest reference provider passes every near miss and every fresh X-Request-ID case', async () => {
  const { dir } = await sharedMaterial();
  const o = await rehearse({ stateDir: tempDir(), certsDir: dir, only: ['CP-01', 'CP-02', 'CP-10', FINDS, ...NEAR_MISSES, 'S1-56', ...S2, 'S2-09'], progress: () => {} });
  assert.equal(failing(o.results), [], o.results.testCases.filter((t) => t.verdict !== 'pass').map((t) => `${t.id}: ${t.reasons.join(' | ')}`).join('\n'));
  assert.ok(o.results.testCases.filter((t) => /^S1-NM-/.test(t.id)).length === 8);
  assert.is(o.exitCode, 0);
});

for (const c of cases) {
  test(`a provider with the defect "${c.fault}" fails exactly ${c.fails.join(', ')}`, async () => {
    const { results, exitCode } = await run(c.fault, c.only);
    assert.is(exitCode, 1);
    for (const id of c.only) assert.ok(results.testCases.some((t) => t.id === id), `${id} was played`);
    assert.equal(failing(results), c.fails, results.testCases.filter((t) => t.verdict !== 'pass').map((t) => `${t.id}: ${t.reasons.join(' | ')}`).join('\n'));
    for (const [id, re] of c.reasons) assert.match(reasonsOf(results, id), re, id);
  });
}

test.run();
