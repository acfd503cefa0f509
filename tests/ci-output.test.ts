// `cda-sim rehearse --ci` as a CI job runs it: a child process, plain lines (no terminal control
// codes), exit 0 only when every test case ran and passed, the JUnit XML where it was asked for,
// and the run kept for `cda-sim export latest`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';

const cli = (args: string[], cwd: string) => cliProcess(args, cwd);

test('rehearse --ci: plain progress lines, JUnit where asked, exit 0, and the run exportable as "latest"', async () => {
  const { dir } = await sharedMaterial();
  const cwd = tempDir();
  const r = await cli(['rehearse', '--ci', '--scenario', 'connection-proving', '--certs-dir', dir, '--junit', 'reports/junit.xml'], cwd);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.not.ok(/\x1b/.test(r.stdout + r.stderr), 'no terminal control codes in CI output');
  assert.match(r.stdout, /\[1\/9\] CP-01 /);
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

test.run();
