// Connection proving end to end over real loopback sockets: cda-sim (C&A, PFS, dashboard) against
// the reference provider (HTTPS with mTLS both ways). Then deliberately broken providers, each of
// which must fail on the right test id with a reason that names the rule: the checks can fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { rehearse } from '../simulator/rehearsal/rehearse.js';
import type { ProviderFault } from '../simulator/provider/reference-provider.js';
import type { RunResults } from '../simulator/reports/results.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

async function run(faults: ProviderFault[] = []): Promise<{ results: RunResults; exitCode: number; file: string }> {
  const { dir } = await sharedMaterial();
  const { results, exitCode, resultsFile } = await rehearse({
    stateDir: tempDir(),
    certsDir: dir,
    reportsDir: tempDir(),
    referenceFaults: faults,
    // Connection proving alone (the later phases of the window have their own suites, stage-*.test.ts).
    scenarios: ['connection-proving'],
    progress: () => {},
  });
  return { results, exitCode, file: resultsFile };
}

const failing = (r: RunResults) => r.testCases.filter((t) => t.verdict !== 'pass').map((t) => t.id);
const reasonsOf = (r: RunResults, id: string) => r.testCases.find((t) => t.id === id)!.reasons.join(' | ');

test('the reference provider passes every connection-proving test case', async () => {
  const { results, exitCode, file } = await run();
  assert.equal(failing(results), [], JSON.stringify(results.testCases.filter((t) => t.verdict !== 'pass'), null, 2));
  assert.is(exitCode, 0);
  assert.ok(results.summary.total >= 9);
  const ids = results.testCases.map((t) => t.id);
  for (const id of ['CP-01', 'CP-02', 'CP-03', 'CP-04', 'CP-05', 'CP-06', 'CP-07', 'CP-08', 'CP-09']) assert.ok(ids.includes(id), id);
  // The reporting phase: the reference provider's own daily reports pass PDP's pipeline.
  for (const id of ['REP-01', 'REP-02', 'REP-03', 'REP-04', 'REP-05', 'REP-06', 'REP-07']) assert.ok(ids.includes(id), id);
  assert.match(results.testCases.find((t) => t.id === 'REP-03')!.reasons.join(), /req_count 5 \(cda-sim sent 5\)/);
  // The results are written as JSON with run metadata and correlated exchanges.
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as RunResults;
  assert.is(saved.run.profile, 'pdp-v2.0-reconstructed');
  assert.match(saved.run.configDigest, /^[0-9a-f]{16}$/);
  const cp03 = saved.testCases.find((t) => t.id === 'CP-03')!;
  assert.ok(cp03.exchanges.some((e) => e.path === '/rreguri' && e.status === 201), 'CP-03 cites the registration');
  const cp05 = saved.testCases.find((t) => t.id === 'CP-05')!;
  assert.ok(cp05.exchanges.some((e) => e.path === '/introspect'), 'CP-05 cites the introspection');
});

const broken: [ProviderFault, string, RegExp][] = [
  ['ack-200', 'CP-01', /answered 200.*202/],
  ['no-inbound-request-id', 'CP-03', /inbound_request_id is missing/],
  ['wrong-description', 'CP-03', /description is .* must equal the scheme name/],
  ['register-invalid-finds', 'CP-07', /registered after this find|bad-signature find was answered 202/],
  ['skip-introspection', 'CP-05', /without introspecting/],
  ['unsigned-view-data', 'CP-06', /signature|alg none/i],
  ['wrongly-signed-view-data', 'CP-06', /signature does not verify/],
  ['ignore-permission-resource', 'CP-08', /returned view data/],
];

for (const [fault, id, reason] of broken) {
  test(`a provider with the defect "${fault}" fails ${id} with a reason naming the rule`, async () => {
    const { results, exitCode } = await run([fault]);
    assert.is(exitCode, 1);
    assert.ok(failing(results).includes(id), `${id} should fail; failing: ${failing(results).join(', ')}`);
    assert.match(reasonsOf(results, id), reason);
  });
}

test.run();
