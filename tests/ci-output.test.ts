// `cda-sim rehearse --ci` as a CI job runs it: a child process, plain lines (no terminal control
// codes), exit 0 only when every test case ran and passed, the JUnit XML where it was asked for,
// and the run kept for `cda-sim export latest`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { packageRoot } from '../simulator/core/paths.js';

const cli = (args: string[], cwd: string) => cliProcess(args, cwd);

test('rehearse --ci: plain progress lines, JUnit where asked, exit 0, and the run exportable as "latest"', async () => {
  const { dir } = await sharedMaterial();
  const cwd = tempDir();
  const r = await cli(['rehearse', '--ci', '--scenario', 'connection-proving', '--certs-dir', dir, '--junit', 'reports/junit.xml'], cwd);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.not.ok(/\x1b/.test(r.stdout + r.stderr), 'no terminal control codes in CI output');
  assert.match(r.stdout, /\[1\/10\] CP-01 /);
  assert.match(r.stdout, /^\s+PASS$/m);
  const junit = fs.readFileSync(path.join(cwd, 'reports', 'junit.xml'), 'utf8');
  assert.match(junit, /<testsuites[^>]*>/);
  assert.match(junit, /CP-05/);
  const id = /^run (\S+) is kept/m.exec(r.stdout)?.[1];
  assert.ok(id, r.stdout);
  const exported = await cli(['export', 'latest', '--out', 'bundle.tar.gz'], cwd);
  assert.is(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, new RegExp(`run ${id}`));
  assert.ok(fs.statSync(path.join(cwd, 'bundle.tar.gz')).size > 1000);
});

test('the documented CI setup plays the whole window and fails the job on a paused run', () => {
  const docs = path.join(packageRoot, 'docs');
  const workflow = fs.readFileSync(path.join(docs, 'github-actions-cda-sim.yml'), 'utf8');
  const step = /- name: Rehearse[^\n]*\n([\s\S]*?)(?=\n\s*- name:)/.exec(workflow)?.[1] ?? '';
  assert.match(step, /(?:^|\s)(?:npx )?cda-sim rehearse --ci[\s\S]*--apply-updates \S+/);
  // Nothing in the step swallows a non-zero exit (4 for a paused run must fail the job).
  assert.not.match(step, /continue-on-error|\|\| true|set \+e/);
  // It installs from a source that exists (the git checkout, packed), not a registry version.
  assert.match(workflow, /npm pack --pack-destination/);
  assert.not.match(workflow, /npm install[^\n]*cda-sim@\d/);
  // The JUnit file is published and the run bundled, whatever the verdict.
  assert.match(workflow, /report_paths: reports\/junit\.xml/);
  assert.match(workflow, /cda-sim export latest --out reports\//);
  const guide = fs.readFileSync(path.join(docs, 'ci.md'), 'utf8');
  const command = /```sh\n(npx cda-sim rehearse --ci[\s\S]*?)```/.exec(guide)?.[1] ?? '';
  assert.match(command, /--apply-updates \S+/);
  assert.match(guide, /\| 4 \| the run paused after Stage 1/);
});

test.run();
