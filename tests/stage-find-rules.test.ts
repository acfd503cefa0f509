// Every rule on a find (S1-FT-*) and every first view leg (S1-FL-*), over real sockets: the honest
// reference provider passes them all, and each deliberate defect fails EXACTLY the test ids that name
// its mistake, with a reason naming the token and the claim.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rehearse } from '../simulator/rehearsal/rehearse.js';
import type { ProviderFault } from '../simulator/provider/reference-provider.js';
import type { RunResults } from '../simulator/reports/results.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

const ft = (...n: number[]) => n.map((i) => `S1-FT-${String(i).padStart(2, '0')}`);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
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

test('the honest reference provider passes every find rule and every first leg', async () => {
  const { results, exitCode } = await run([], ['S1-FT', ...FIRST_LEGS]);
  assert.equal(failing(results), [], explain(results));
  assert.is(exitCode, 0);
  const ids = results.testCases.map((t) => t.id);
  for (const id of [...ft(...range(1, 32)), 'S1-FL-01', 'S1-FL-02', 'S1-FL-03']) assert.ok(ids.includes(id), `${id} was played`);
  // A pass says what was refused and why, naming the token and the claim.
  assert.match(reasonsOf(results, 'S1-FT-05'), /user_token has `exp` in the past \(expired\): refused with 400/);
  assert.match(reasonsOf(results, 'S1-FT-30'), /find_request_token has no `request_id` claim: refused with 400.*no C&A call/);
  assert.match(reasonsOf(results, 'S1-FL-02'), /"Authorization: Bearer" with no token: 401 .*no \/introspect/);
});

const cases: { fault: ProviderFault; only: string[]; fails: string[]; reasons: [string, RegExp][] }[] = [
  {
    fault: 'unchecked-user-token',
    only: ['S1-FT'],
    fails: ft(...range(1, 16)),
    reasons: [['S1-FT-05', /a find whose user_token has `exp` in the past \(expired\) was answered 202/]],
  },
  { fault: 'ignore-bad-signature', only: ['CP-07', 'S1-FT', 'S1-21'], fails: ['CP-07', 'S1-21', ...ft(1, 17)], reasons: [['S1-FT-17', /find_request_token has a signature made with a key other than the one its kid names was answered 202/]] },
  { fault: 'accept-unknown-kid', only: ['S1-FT'], fails: ft(2, 18), reasons: [['S1-FT-02', /user_token is signed with a key that is not in the C&A JWKS/]] },
  { fault: 'accept-alg-none', only: ['S1-FT'], fails: ft(3, 19), reasons: [['S1-FT-19', /find_request_token is unsecured: header alg "none"/]] },
  { fault: 'accept-hs256', only: ['S1-FT'], fails: ft(4, 20), reasons: [['S1-FT-04', /user_token is signed with header alg "HS256"/]] },
  // S1-22 expires both tokens at once, so it cannot see a provider that checks only one of them.
  { fault: 'ignore-user-token-expiry', only: ['S1-FT', 'S1-22'], fails: ft(5), reasons: [['S1-FT-05', /user_token has `exp` in the past/]] },
  { fault: 'ignore-find-token-expiry', only: ['S1-FT', 'S1-22'], fails: ft(21), reasons: [['S1-FT-21', /find_request_token has `exp` in the past/]] },
  { fault: 'ignore-nbf', only: ['S1-FT'], fails: ft(6, 22), reasons: [['S1-FT-06', /user_token has `nbf` in the future/]] },
  { fault: 'ignore-iss', only: ['S1-FT'], fails: ft(7, 23), reasons: [['S1-FT-23', /find_request_token has an `iss` that is not the PFS/]] },
  { fault: 'ignore-aud', only: ['S1-FT', 'S1-23'], fails: ['S1-23', ...ft(8, 24)], reasons: [['S1-FT-08', /user_token has an `aud` that is not its recipient/]] },
  {
    fault: 'ignore-missing-claims',
    only: ['S1-FT'],
    fails: ft(...range(9, 16), ...range(25, 31)),
    reasons: [
      ['S1-FT-16', /user_token has no `jti` claim was answered 202/],
      ['S1-FT-31', /find_request_token has no `find_data` claim was answered 202/],
    ],
  },
  {
    fault: 'ignore-request-id-mismatch',
    only: ['S1-FT'],
    fails: ft(32),
    reasons: [
      ['S1-FT-32', /find_request_token has a `request_id` that differs from the X-Request-ID header was answered 202/],
      ['S1-FT-32', /the provider called the C&A because of a find whose find_request_token has a `request_id` that differs .*POST \/rreguri/],
    ],
  },
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

test('every new find rule and first leg is caught by some defect', () => {
  const caught = new Set(cases.flatMap((c) => c.fails));
  for (const id of [...ft(...range(1, 32)), 'S1-FL-01', 'S1-FL-02', 'S1-FL-03']) assert.ok(caught.has(id), `${id} is caught by no defect`);
});

test.run();
