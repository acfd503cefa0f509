// A failed run carried to another machine: rehearse against a broken reference provider (real
// loopback sockets, TLS with mTLS both ways, real signatures), list it with `cda-sim runs`, export
// it, inspect the bundle from a folder with no state, and replay it against the same broken
// variant: the same failing test id comes back. Replayed against the honest provider, it differs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { rehearse } from './helpers/rehearse.js';
import { exportRun, readBundle, unpackBundle } from '../simulator/runs/bundle.js';
import { replayBundle } from './helpers/rehearse.js';
import { readRunJournal } from '../simulator/runs/run-record.js';
import { listRuns } from '../simulator/runs/run-store.js';
import { startReferenceProvider } from '../simulator/provider/reference-provider.js';
import { defaultCaConfig } from '../simulator/ca/config.js';
import { loadTestData } from '../simulator/testdata/records.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { withInspectConsole } from './helpers/inspect-console.js';
import { freePort, ownProviderSection } from './helpers/spawn-provider.js';

/** The CLI in a child process, as CI runs it. */
const cli = (args: string[], cwd: string) => cliProcess(args, cwd, { CI: 'true' });

const state: { stateDir: string; runId: string; bundle: string; certsDir: string } = { stateDir: '', runId: '', bundle: '', certsDir: '' };

test('a run against a provider that skips introspection fails CP-05, and keeps what a bundle needs', async () => {
  const { dir } = await sharedMaterial();
  state.certsDir = dir;
  state.stateDir = tempDir();
  const { results, exitCode } = await rehearse({ stateDir: state.stateDir, certsDir: dir, scenarios: ['connection-proving'], referenceFaults: ['skip-introspection'], progress: () => {} });
  assert.is(exitCode, 1);
  assert.is(results.testCases.find((t) => t.id === 'CP-05')!.verdict, 'fail');
  state.runId = results.run.id;
  const runFolder = path.join(state.stateDir, 'runs', state.runId);
  for (const f of ['results.json', 'junit.xml', 'report.html', 'report.pdf', 'journal.ndjson', 'config.json', 'versions.json', 'scenarios/connection-proving.json', 'inputs/test-users.json', 'inputs/testdata.json']) {
    assert.ok(fs.existsSync(path.join(runFolder, f)), `the run folder keeps ${f}`);
  }
  // The run's own journal holds its exchanges: the finds and views cda-sim sent, and the provider's C&A calls.
  const journal = readRunJournal(runFolder);
  assert.ok(journal.some((e) => e.direction === 'out' && e.role === 'pfs' && e.tags?.testCase === 'CP-01'));
  assert.ok(journal.some((e) => e.direction === 'in' && e.role === 'ca' && e.path === '/rreguri'));
  const config = JSON.parse(fs.readFileSync(path.join(runFolder, 'config.json'), 'utf8'));
  assert.equal([config.referenceProvider, config.referenceFaults], [true, ['skip-introspection']]);
  assert.match(JSON.parse(fs.readFileSync(path.join(runFolder, 'versions.json'), 'utf8')).cdaSim, /^\d+\.\d+\.\d+/);
});

test('cda-sim runs lists the run with its verdict and failing ids', async () => {
  const r = await cli(['runs', '--state-dir', state.stateDir], state.stateDir);
  assert.is(r.code, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith(state.runId));
  assert.ok(line, r.stdout);
  assert.match(line!, /FAILED/);
  assert.match(line!, /CP-05/);
  const json = await cli(['runs', '--state-dir', state.stateDir, '--json'], state.stateDir);
  const row = JSON.parse(json.stdout.trim().split('\n')[0]);
  assert.is(row.id, state.runId);
  assert.is(row.verdict, 'failed');
  assert.ok(row.failing.includes('CP-05'));
});

test('cda-sim export writes one tar.gz bundle that standard tar reads', async () => {
  const out = path.join(tempDir(), 'support', 'run.tar.gz');
  const r = await cli(['export', state.runId, '--out', out, '--state-dir', state.stateDir], state.stateDir);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /redacted/);
  state.bundle = out;
  const listing = spawnSync('tar', ['-tzf', out], { encoding: 'utf8' });
  assert.is(listing.status, 0, listing.stderr);
  const folder = `cda-sim-run-${state.runId}`;
  for (const f of ['bundle.json', 'results.json', 'journal.ndjson', 'config.json', 'versions.json', 'scenarios/connection-proving.json', 'inputs/testdata.json', 'junit.xml', 'report.html', 'report.pdf']) {
    assert.ok(listing.stdout.split('\n').includes(`${folder}/${f}`), `${f} in ${listing.stdout}`);
  }
  const b = readBundle(out);
  assert.is(b.manifest.format, 'cda-sim-bundle');
  assert.is(b.results.run.id, state.runId);
  assert.ok(b.journal.length > 10);
  assert.is(b.reports['report.pdf'].subarray(0, 5).toString(), '%PDF-');
  // Laid out as a state directory, the bundle's run is a run like any other (for the console, `runs`).
  const unpacked = tempDir();
  unpackBundle(b, unpacked);
  assert.equal(listRuns(unpacked).map((x) => [x.id, x.state]), [[state.runId, 'complete']]);
  assert.is(readRunJournal(path.join(unpacked, 'runs', state.runId)).length, b.journal.length);
  assert.ok(fs.existsSync(path.join(unpacked, 'journal.ndjson')));
  // An unknown run is a usage error naming where runs are looked for.
  const missing = await cli(['export', '20990101T000000Z-00000000', '--out', path.join(tempDir(), 'x.tar.gz'), '--state-dir', state.stateDir], state.stateDir);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /no run "20990101T000000Z-00000000" in .*runs/);
});

test('cda-sim inspect shows the timeline and the failure, from a folder with no state', async () => {
  const elsewhere = tempDir();
  const r = await cli(['inspect', state.bundle], elsewhere);
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(fs.existsSync(path.join(elsewhere, '.cda-sim')), 'inspect needs and makes no state');
  assert.match(r.stdout, new RegExp(`run ${state.runId}`));
  assert.match(r.stdout, /deliberate faults: skip-introspection/);
  assert.match(r.stdout, /verdict:\s+FAILED/);
  // The timeline: test cases in order, each with the exchanges it caused.
  const timeline = r.stdout.slice(r.stdout.indexOf('timeline'), r.stdout.indexOf('failures'));
  assert.ok(timeline.indexOf('CP-01') < timeline.indexOf('CP-05'));
  assert.match(timeline, /CP-01\s+PASS/);
  assert.match(timeline, /pfs →\s+POST\s+\/find\s+202/);
  assert.match(timeline, /→ ca\s+POST\s+\/rreguri\s+201/);
  // The failures: id, rule, reference, reason, and the exchange cited.
  const failures = r.stdout.slice(r.stdout.indexOf('failures ('));
  assert.match(failures, /CP-05\s+FAIL/);
  assert.match(failures, /rule:\s+Presented with an RPT/);
  assert.match(failures, /without introspecting/);
  assert.match(failures, /cites dashboard → GET \/view-data\/\S+ 200/);
});

test('cda-sim inspect --console serves the web console over the bundle, with no simulator, until Ctrl+C', async () => {
  const served = await withInspectConsole(state.bundle, async (url) => {
    const runs = (await (await fetch(`${url}api/runs`)).json()) as { runs: { id: string; state: string }[] };
    assert.equal(runs.runs.map((r) => [r.id, r.state]), [[state.runId, 'complete']]);
    const registrations = (await (await fetch(`${url}api/registrations`)).json()) as { registrations: { name: string }[] };
    assert.ok(registrations.registrations.length >= 1, 'the registrations table is rebuilt from the bundle’s journal');
    const timeline = (await (await fetch(`${url}api/timeline`)).json()) as { entries: unknown[] };
    // Every exchange, the dashboard's own /token calls folded into the C&A's side of them.
    const journal = readBundle(state.bundle).journal;
    assert.is(timeline.entries.length, journal.length - journal.filter((e) => e.direction === 'out' && e.role === 'dashboard' && e.path === '/token').length);
  });
  assert.is(served.code, 0, served.output);
});

test('cda-sim replay against the broken variant reproduces the failing test id (exit 0: same as recorded)', async () => {
  const replayState = tempDir();
  const r = await cli(['replay', state.bundle, '--reference-fault', 'skip-introspection', '--state-dir', replayState, '--certs-dir', state.certsDir, '--ci'], tempDir());
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /CP-05\s+FAIL\s+FAIL\s+same: reproduced/);
  assert.match(r.stdout, /SAME as the recording; failing test id\(s\) reproduced: .*CP-05/);
  // Real calls were re-sent (finds and views), and the replay is a run of its own.
  const resent = Number(/re-sent (\d+) call/.exec(r.stdout)?.[1]);
  assert.ok(resent >= 5, r.stdout);
  const kept = listRuns(replayState);
  assert.is(kept.length, 1);
  assert.is(kept[0].results!.testCases.find((t) => t.id === 'CP-05')!.verdict, 'fail');
  assert.not.equal(kept[0].id, state.runId);
  const comparison = JSON.parse(fs.readFileSync(path.join(kept[0].dir, 'replay.json'), 'utf8'));
  assert.is(comparison.recordedRunId, state.runId);
  assert.is(comparison.differs, false);
  const cp05 = comparison.verdicts.find((v: { id: string }) => v.id === 'CP-05');
  assert.equal([cp05.recorded, cp05.replayed, cp05.same], ['fail', 'fail', true]);
  assert.match(cp05.reasons.join(), /without introspecting/);
});

test('cda-sim replay against the honest provider shows where it differs (exit 1)', async () => {
  const r = await cli(['replay', state.bundle, '--state-dir', tempDir(), '--certs-dir', state.certsDir, '--ci'], tempDir());
  assert.is(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /made against the reference provider with deliberate faults \(skip-introspection\)/);
  assert.match(r.stdout, /CP-05\s+FAIL\s+PASS\s+DIFFERS/);
  assert.match(r.stdout, /CP-01\s+PASS\s+PASS\s+same/);
  // CP-08's crossed view: the honest provider refuses it, where the recording got view data.
  assert.match(r.stdout, /CP-08 #\d+ view \S+\?scope=owner\n\s+- status was 200, now 403/);
  assert.match(r.stdout, /response body view_data_token \(JWS\) is gone/);
  assert.match(r.stdout, /DIFFERS from the recording/);
});

test('a recording made with a driver fault is replayed with it: cda-sim sends as it did, the same id fails', async () => {
  const { dir } = await sharedMaterial();
  const stateDir = tempDir();
  const { results } = await rehearse({ stateDir, certsDir: dir, scenarios: ['connection-proving'], driverFaults: ['malformed-json'], progress: () => {} });
  assert.is(results.testCases.find((t) => t.id === 'CP-01')!.verdict, 'fail');
  const out = path.join(tempDir(), 'malformed.tar.gz');
  await exportRun(stateDir, results.run.id, out);
  const bundle = readBundle(out);
  assert.equal(bundle.options?.driverFaults, ['malformed-json']);
  const report = await replayBundle(bundle, { stateDir: tempDir(), certsDir: dir });
  const cp01 = report.verdicts.find((v) => v.id === 'CP-01')!;
  assert.equal([cp01.recorded, cp01.replayed, cp01.same], ['fail', 'fail', true]);
  assert.match(cp01.reasons.join(), /answered 400/);
  assert.is(report.differs, false, JSON.stringify(report.exchanges.filter((e) => e.differences.length)));
});

test('replay compares only the test cases the recording has: reporting it never played is not a difference', async () => {
  const { dir } = await sharedMaterial();
  const stateDir = tempDir();
  // Connection proving alone, Stage 1 only asked for: the recording has no reporting (REP-*) cases.
  const { results } = await rehearse({ stateDir, certsDir: dir, scenarios: ['connection-proving'], stage1Only: true, progress: () => {} });
  assert.ok(!results.testCases.some((t) => t.id.startsWith('REP-')), 'no reporting in the recording');
  const out = path.join(tempDir(), 'cp-only.tar.gz');
  await exportRun(stateDir, results.run.id, out);
  // The reference provider's replay plays reporting all the same: it is listed, not compared.
  const r = await cli(['replay', out, '--state-dir', tempDir(), '--certs-dir', dir, '--ci'], tempDir());
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.not.match(r.stdout, /REP-\d+\s+-\s+PASS\s+DIFFERS/);
  assert.match(r.stdout, /not in the recording, so not compared: REP-01, REP-02, REP-03, REP-04, REP-05, REP-06, REP-07/);
  assert.match(r.stdout, /CP-08\s+PASS\s+PASS\s+same/);
  assert.match(r.stdout, /SAME as the recording/);
});

test('cda-sim replay --config: the same finds and views sent to a provider of the user’s own, judged the same way', async () => {
  const { dir, material } = await sharedMaterial();
  const [https, http, admin] = [await freePort(), await freePort(), await freePort()];
  const testData = loadTestData();
  // "The user's provider": the reference provider with the same defect, on its own, reached only
  // through the config (HTTPS, mTLS both ways), calling the C&A the replay starts.
  const provider = await startReferenceProvider({
    tls: { cert: material.server.cert, key: material.server.key, clientCa: [material.ca.cert], mtls: 'need' },
    ca: { baseUrl: `https://localhost:${https}`, issuer: `https://localhost:${https}`, jwksUrl: `https://localhost:${https}/jwk_uri`, tls: { ca: material.ca.cert, cert: material.providerClient.cert, key: material.providerClient.key } },
    pfsIssuer: defaultCaConfig.pfsIssuer,
    testData,
    faults: ['skip-introspection'],
  });
  try {
    const cwd = tempDir();
    const config = path.join(cwd, 'cda-sim.config.json');
    fs.writeFileSync(config, JSON.stringify({
      provider: ownProviderSection(provider, { name: 'Example Pensions (test)', tls: { trustCaFile: path.join(dir, 'ca.crt') } }),
      simulator: { host: '127.0.0.1', httpsPort: https, httpPort: http, adminPort: admin },
    }));
    const r = await cli(['replay', state.bundle, '--config', config, '--state-dir', path.join(cwd, 'state'), '--certs-dir', dir, '--ci'], cwd);
    assert.match(r.stdout, /against Example Pensions \(test\)/, r.stdout + r.stderr);
    assert.match(r.stdout, /CP-05\s+FAIL\s+FAIL\s+same: reproduced/);
    assert.match(r.stdout, /CP-03\s+PASS\s+PASS\s+same/);
    // Calls are compared relative to each side's find and view URLs, so they line up.
    assert.match(r.stdout, /provider calls: all \d+ answered as recorded/);
    // A provider of one's own submits no reports in the replay, where the recording's did: that differs.
    assert.match(r.stdout, /REP-01\s+PASS\s+FAIL\s+DIFFERS/);
    assert.is(r.code, 1);
  } finally {
    await provider.close();
  }
});

test.run();
