// A rehearsal under a test-written spec set, driven as a user drives it: the CLI in a child process.
// The profile is recorded in results.json, the HTML, PDF and JUnit reports and an exported bundle;
// two deliberate changes in the set change verdicts (the find acknowledged with another status, and
// a view data field the reference provider does not send made required); the copied C&A and
// reporting documents change nothing else; a replay says which profile the recording was made under.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { RunResults } from '../simulator/reports/results.js';
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
  assert.equal(files.map((f) => f.file), ['find-requests.yaml', 'official-token-and-rreguri.yaml', 'reporting-api.json', 'view-data-payload.json']);
  for (const f of files) assert.is(f.sha256, sha256(path.join(specDir, f.file)), f.file);
  assert.equal(results.run.spec!.notHonoured, []);

  // The verdicts the changes make: CP-01 (the status) and CP-06 (the field) fail, naming why.
  const verdict = (id: string) => results.testCases.find((t) => t.id === id)!;
  assert.is(verdict('CP-01').verdict, 'fail');
  assert.match(verdict('CP-01').reasons.join(' '), /answered 202; a valid find must be acknowledged with 200 \(find-requests\.yaml: POST \/find-requests\)/);
  assert.is(verdict('CP-06').verdict, 'fail');
  assert.match(verdict('CP-06').reasons.join(' '), /dataProvenance/);
  assert.equal(verdict('CP-06').reasons.filter((r) => /\[SCHEMA\]/.test(r) && !/dataProvenance/.test(r)), [], 'the copied schema judges nothing else differently');
  // Everything else passes (a view of a definite match fails for the same field): the C&A followed the copied documents.
  const others = results.testCases.filter((t) => t.id.startsWith('CP-') && t.id !== 'CP-01' && !t.reasons.join(' ').includes('"dataProvenance" is missing'));
  assert.ok(others.length >= 7, others.map((t) => t.id).join());
  for (const t of others) assert.is(t.verdict, 'pass', `${t.id}: ${t.reasons.join(' | ')}`);

  // The reports.
  const html = fs.readFileSync(path.join(runFolder, 'report.html'), 'utf8');
  assert.match(html, /Spec file/);
  assert.ok(html.includes(`view-data-payload.json: view_data, sha256 ${files[3].sha256}`));
  const pdf = pdfText(path.join(runFolder, 'report.pdf')).replace(/\s+/g, ' ');
  assert.match(pdf, /Spec profile: spec-dir:/);
  assert.match(pdf, /official-token-and-rreguri\.yaml: Token and registration API \(test-written\), version 2\.1-test/);
  const junit = fs.readFileSync(path.join(runFolder, 'junit.xml'), 'utf8');
  assert.match(junit, /<property name="cda-sim\.spec-file\.2" value="official-token-and-rreguri\.yaml: Token and registration API \(test-written\), version 2\.1-test, sha256 [0-9a-f]{64}"\/>/);
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
  assert.match(replay.stdout, /this replay validates with the files in --spec-dir/);
  assert.match(replay.stdout, /spec profile: spec-dir: .*, as recorded/);
  assert.match(replay.stdout, /CP-01 +FAIL +FAIL +same: reproduced/);
});

test.run();
