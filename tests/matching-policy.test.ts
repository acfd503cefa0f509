// A provider's own matching policy: only cases the scenario data marks policy-dependent may be
// marked not applicable, each with a reason; anything else is a config error (exit 2) that names
// the id and the rule. A marked case is reported not-applicable with the config's reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { checkMatchingPolicy } from '../simulator/scenarios/matching-policy.js';
import { loadScenario } from '../simulator/scenarios/engine.js';
import { loadProviderConfig } from '../simulator/config/provider-config.js';
import { rehearse } from './helpers/rehearse.js';
import { CliError, EXIT } from '../simulator/core/exit-codes.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

const shipped = () => ['connection-proving', 'stage1', 'stage2'].map(loadScenario);

function configError(policy: Parameters<typeof checkMatchingPolicy>[0]): CliError {
  try {
    checkMatchingPolicy(policy, shipped());
  } catch (err) {
    return err as CliError;
  }
  throw new Error('expected a config error');
}

test('the policy-dependent cases are the registrations, views and updates that rest on a matching choice', () => {
  const ids = shipped().flatMap((s) => s.testCases.filter((tc) => tc.policyDependent).map((tc) => tc.id));
  assert.equal(ids, ['S1-03', 'S1-04', 'S1-05', 'S1-06', 'S1-10', 'S1-11', 'S1-28', 'S1-29', 'S1-30', 'S1-31', 'S1-34', 'S1-35', 'S2-01', 'S2-02', 'S2-03', 'S2-07', 'S2-08']);
  // The near misses and the plain definite matches are never waived.
  for (const s of shipped()) for (const tc of s.testCases.filter((t) => /^S1-NM-|^S1-02$|^CP-/.test(t.id))) assert.not.ok(tc.policyDependent, tc.id);
});

test('marking a case that does not depend on matching policy is a config error naming the id and the rule (exit 2)', () => {
  const err = configError({ notApplicable: [{ id: 'S1-02', why: 'we do not like it' }, { id: 'S1-NM-03', why: 'x' }, { id: 'S9-99', why: 'x' }] });
  assert.instance(err, CliError);
  assert.is(err.exitCode, EXIT.usage);
  assert.match(err.message, /S1-02: its expected outcome does not depend on a matching policy, so it cannot be marked not applicable \(only cases marked policyDependent/);
  assert.match(err.message, /S1-NM-03: its expected outcome does not depend/);
  assert.match(err.message, /S9-99: no such test case/);
  assert.match(configError({ notApplicable: [{ id: 'S1-11', why: '  ' }] }).message, /S1-11: give the reason/);
  checkMatchingPolicy({ notApplicable: [{ id: 'S1-11', why: 'no NINO-only matches' }] }, shipped());
});

test('the config file takes matchingPolicy, and a reason is required by its schema', () => {
  const dir = tempDir();
  const base = { provider: { findUrl: 'https://localhost:9/find', viewUrl: 'https://localhost:9/view', holdernameGuids: ['3f9a6a3e-1d2b-4c8e-9f10-2a6b7c8d9e01'], viewTokenKey: { jwksUrl: 'https://localhost:9/jwks' } } };
  const file = path.join(dir, 'ok.json');
  fs.writeFileSync(file, JSON.stringify({ ...base, matchingPolicy: { notApplicable: [{ id: 'S1-11', why: 'no NINO-only matches' }] } }));
  assert.equal(loadProviderConfig(file).matchingPolicy, { notApplicable: [{ id: 'S1-11', why: 'no NINO-only matches' }] });
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ ...base, matchingPolicy: { notApplicable: [{ id: 'S1-11' }] } }));
  assert.throws(() => loadProviderConfig(bad), /matchingPolicy\.notApplicable\[0\]\.why: is required/);
});

test('a rehearsal reports a marked case not-applicable with the reason, in results, JUnit and HTML, and the run passes', async () => {
  const { dir } = await sharedMaterial();
  const why = 'our written policy never matches on a self-asserted NINO alone';
  const o = await rehearse({ stateDir: tempDir(), certsDir: dir, only: ['S1-01', 'S1-11', 'S1-35', 'S1-02'], matchingPolicy: { notApplicable: [{ id: 'S1-11', why }, { id: 'S1-35', why }] }, progress: () => {} });
  const byId = Object.fromEntries(o.results.testCases.map((t) => [t.id, t]));
  assert.is(byId['S1-11'].verdict, 'not-applicable');
  assert.is(byId['S1-35'].verdict, 'not-applicable');
  assert.match(byId['S1-11'].reasons[0], new RegExp(`not applicable: the provider's matching policy differs: ${why} \\(this case assumes: the NINO alone`));
  assert.is(byId['S1-02'].verdict, 'pass');
  assert.is(o.exitCode, 0);
  for (const report of [o.reports.junit, o.reports.html]) assert.match(fs.readFileSync(report, 'utf8'), /our written policy never matches on a self-asserted NINO alone/, report);
});

test('a config naming a case that is not policy-dependent stops the rehearsal before anything runs (exit 2)', async () => {
  const { dir } = await sharedMaterial();
  const stateDir = tempDir();
  const err = await rehearse({ stateDir, certsDir: dir, only: ['S1-01'], matchingPolicy: { notApplicable: [{ id: 'S1-09', why: 'x' }] }, progress: () => {} }).then(
    () => undefined,
    (e: CliError) => e,
  );
  assert.instance(err, CliError);
  assert.is(err!.exitCode, EXIT.usage);
  assert.match(err!.message, /S1-09: its expected outcome does not depend on a matching policy/);
  assert.not.ok(fs.existsSync(path.join(stateDir, 'runs')), 'no run was started');
});

test.run();
