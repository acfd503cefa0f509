// A rehearsal under a test-written spec set, driven as a user drives it: the CLI in a child process.
// The profile is recorded in results.json, the HTML, PDF and JUnit reports and an exported bundle;
// deliberate changes in the set change verdicts (the find acknowledged with another status, a view
// data field the reference provider does not send made required, a view response length limit);
// the copied C&A and reporting documents change nothing else; a replay says which profile the
// recording was made under, and follows --spec-dir.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import { readBundle } from '../simulator/runs/bundle.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { pdfText } from './helpers/pdf.js';
import { writeSpecSet } from './helpers/spec-set.js';

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('rehearse --spec-dir: the profile is recorded everywhere, and the changed spec changes the verdicts', async () => {
  const cwd = tempDir();
  const { dir: certs } = await sharedMaterial();
  const specDir = writeSpecSet(path.join(cwd, 'spec'), {
    findAck: ['200'], // a status: the find must now be acknowledged with 200
    viewData: (s) => s.definitions.definiteMatchArrangement.required.push('dataProvenance'), // a field
    viewResponse: (s) => (s.properties.view_data_token.maxLength = 10), // a length: no signed token is that short
    findData: (s) => (s.required = ['nino']), // cda-sim's own find data does not always carry one
  });
  const state = path.join(cwd, 'state');
  const common = ['--state-dir', state, '--certs-dir', certs, '--ci'];
  const r = await cliProcess(['rehearse', '--spec-dir', specDir, '--scenario', 'connection-proving', '--only', 'CP-', ...common], cwd, {}, 180000);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /spec profile: spec-dir: /);
  assert.match(r.stdout, /follows the provider’s find \(POST \{findUrl\}\) from find-requests\.yaml/);

  const runId = fs.readdirSync(path.join(state, 'runs'))[0];
  const runFolder = path.join(state, 'runs', runId);
  const results = JSON.parse(fs.readFileSync(path.join(runFolder, 'results.json'), 'utf8')) as RunResults;
  // results.json: the files with their titles, versions and digests.
  assert.match(results.run.profile, /^spec-dir: .*Token and registration API \(test-written\) 2\.1-test/);
  const files = results.run.spec!.files;
  assert.equal(files.map((f) => f.file), ['find-data.json', 'find-requests.yaml', 'official-token-and-rreguri.yaml', 'reporting-api.json', 'view-data-payload.json']);
  for (const f of files) assert.is(f.sha256, sha256(path.join(specDir, f.file)), f.file);
  // The find_data schema refuses cda-sim's own find data of the users without a NINO: said, and kept.
  const notHonoured = results.run.spec!.notHonoured;
  assert.is(notHonoured.length, 1, JSON.stringify(notHonoured));
  assert.is(notHonoured[0].file, 'find-data.json');
  assert.match(notHonoured[0].reason, /refuses that of \d+ of 58 test users \(CP01, .*\), e\.g\. CP01's: nino is required/);
  assert.match(r.stdout, /NOT HONOURED find-data\.json: schema "find_data": /);

  // The verdicts the changes make: CP-01 (the status) and CP-06 (the field) fail, naming why.
  const verdict = (id: string) => results.testCases.find((t) => t.id === id)!;
  assert.is(verdict('CP-01').verdict, 'fail');
  assert.match(verdict('CP-01').reasons.join(' '), /answered 202; a valid find must be acknowledged with 200 \(find-requests\.yaml: POST \/find-requests\)/);
  assert.is(verdict('CP-06').verdict, 'fail');
  assert.match(verdict('CP-06').reasons.join(' '), /dataProvenance/);
  assert.match(verdict('CP-06').reasons.join(' '), /the view response body view_data_token must NOT have more than 10 characters \(find-requests\.yaml: GET \/view-data\/\{assetGuid\}\)/);
  assert.equal(verdict('CP-06').reasons.filter((r) => /\[SCHEMA\]/.test(r) && !/dataProvenance/.test(r)), [], 'the copied schema judges nothing else differently');
  // Everything else passes (a view of a definite match fails for the same field): the C&A followed the copied documents.
  const others = results.testCases.filter((t) => t.id.startsWith('CP-') && t.id !== 'CP-01' && !t.reasons.join(' ').includes('"dataProvenance" is missing'));
  assert.ok(others.length >= 7, others.map((t) => t.id).join());
  for (const t of others) assert.is(t.verdict, 'pass', `${t.id}: ${t.reasons.join(' | ')}`);

  // The reports.
  const html = fs.readFileSync(path.join(runFolder, 'report.html'), 'utf8');
  assert.match(html, /Spec file/);
  assert.ok(html.includes(`view-data-payload.json: view_data, sha256 ${files[4].sha256}`));
  const pdf = (await pdfText(path.join(runFolder, 'report.pdf'))).replace(/\s+/g, ' ');
  assert.match(pdf, /Spec profile: spec-dir:/);
  assert.match(pdf, /official-token-and-rreguri\.yaml: Token and registration API \(test-written\), version 2\.1-test/);
  const junit = fs.readFileSync(path.join(runFolder, 'junit.xml'), 'utf8');
  assert.match(junit, /<property name="cda-sim\.spec-file\.3" value="official-token-and-rreguri\.yaml: Token and registration API \(test-written\), version 2\.1-test, sha256 [0-9a-f]{64}"\/>/);
  const versions = JSON.parse(fs.readFileSync(path.join(runFolder, 'versions.json'), 'utf8'));
  assert.equal(versions.spec.files, files);

  // The exported bundle: its manifest names the profile and the files' digests.
  const bundleFile = path.join(cwd, 'run.tar.gz');
  const exported = await cliProcess(['export', runId, '--out', bundleFile, ...common.slice(0, 4)], cwd);
  assert.is(exported.code, 0, exported.stdout + exported.stderr);
  const bundle = readBundle(bundleFile);
  assert.is(bundle.manifest.profile, results.run.profile);
  assert.equal(bundle.manifest.spec!.files, files);

  // Replayed with the same files: the same verdicts, and the recording's profile named.
  const replay = await cliProcess(['replay', bundleFile, '--spec-dir', specDir, '--state-dir', path.join(cwd, 'state-replay'), '--certs-dir', certs, '--ci'], cwd, {}, 180000);
  assert.match(replay.stdout, /the recording was made under spec profile spec-dir: .*find-requests\.yaml sha256 [0-9a-f]{16}/);
  assert.match(replay.stdout, /this replay validates with the files in --spec-dir .* \(the recording’s files, byte for byte\)/);
  assert.match(replay.stdout, /spec profile: spec-dir: .*, as recorded/);
  assert.match(replay.stdout, /CP-01 +FAIL +FAIL +same: reproduced/);
  assert.is(replay.code, 0, replay.stdout + replay.stderr);

  // Replayed without them: the built-in documents judge, and the verdicts the spec changed differ.
  const builtIn = await cliProcess(['replay', bundleFile, '--state-dir', path.join(cwd, 'state-replay-2'), '--certs-dir', certs, '--ci'], cwd, {}, 180000);
  assert.is(builtIn.code, 1, builtIn.stdout + builtIn.stderr);
  assert.match(builtIn.stdout, /this replay uses the built-in documents unless --spec-dir gives the recording’s files/);
  assert.match(builtIn.stdout, /spec profile: recorded under spec-dir: .*; replayed under pdp-v2\.0-reconstructed/);
  assert.match(builtIn.stdout, /CP-01 +FAIL +PASS +DIFFERS/);
  assert.match(builtIn.stdout, /CP-06 +FAIL +PASS +DIFFERS/);
});

test.run();
