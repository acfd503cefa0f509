// The test line itself: the runner's pool names every file with its time and counts as it finishes
// and says which files are still running (driven here with small test files of its own), and the
// browser tests' Chromium is found where a user keeps it, or its absence is a failure that says
// what is needed and how to get it.
// @judges-timing: run at the normal CPU priority, so it can see the pool lower the others'.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../simulator/core/paths.js';
import { tempDir } from './helpers/fixtures.js';
import { APT_INSTALL, canInstallWithApt, ensureChromium, findChromium } from './helpers/chromium.js';

interface FileResult { file: string; ms: number; passed: number; failed: number; skipped: number }
interface Pool {
  runTestFiles(files: string[], o: { dir: string; jobs: number; log: (l: string) => void; stillEveryMs?: number; limitMs?: number }): Promise<FileResult[]>;
  closingLine(results: FileResult[]): string;
}
const pool = (): Promise<Pool> => import(pathToFileURL(path.join(packageRoot, 'scripts', 'test-pool.mjs')).href);
const uvuUrl = (name: string) => pathToFileURL(createRequire(import.meta.url).resolve(name)).href;

/** A folder of uvu test files: name → body (uvu's test and assert are in scope). */
function testFiles(files: Record<string, string>): string {
  const dir = tempDir('cda-sim-runner-');
  for (const [name, body] of Object.entries(files))
    fs.writeFileSync(path.join(dir, name), `import { test } from '${uvuUrl('uvu')}';\nimport * as assert from '${uvuUrl('uvu/assert')}';\n${body}\ntest.run();\n`);
  return dir;
}

test('each file is named with its time and counts as it finishes; a long one is named while it runs; the last line is CI\'s', async () => {
  const dir = testFiles({
    'quick.test.js': "test('one', () => assert.ok(true));\ntest('two', () => assert.is(1, 1));",
    'slow.test.js': "test('waits', () => new Promise((r) => setTimeout(r, 3000)));",
    'broken.test.js': "test('holds', () => assert.ok(true));\ntest('breaks', () => assert.is(1, 2, 'one is not two'));",
    'crash.test.js': "throw new Error('cannot even load');",
  });
  const lines: string[] = [];
  const { runTestFiles, closingLine } = await pool();
  const results = await runTestFiles(['slow.test.js', 'quick.test.js', 'broken.test.js', 'crash.test.js'], { dir, jobs: 2, log: (l) => lines.push(l), stillEveryMs: 500 });
  const finished = (name: string) => lines.find((l) => l.includes(` ${name}  `));
  assert.match(finished('quick.test.js')!, /^✓ quick\.test\.js {2}\d+\.\ds {2}2 passed$/);
  assert.match(finished('slow.test.js')!, /^✓ slow\.test\.js {2}([3-9]|\d\d+)\.\ds {2}1 passed$/);
  assert.match(finished('broken.test.js')!, /^✗ broken\.test\.js {2}\d+\.\ds {2}1 passed, 1 failed$/);
  assert.match(finished('crash.test.js')!, /^✗ crash\.test\.js {2}\d+\.\ds {2}0 passed, 1 failed \((exit 1|no test was executed)\)$/);
  // The reason is printed right above the failing file's line.
  assert.ok(lines.some((l) => l.includes('one is not two')), 'the failing assertion is shown');
  assert.ok(lines.some((l) => l.includes('cannot even load')), 'the crash is shown');
  assert.ok(lines.some((l) => /^… still running: slow\.test\.js \(\d+s\)$/.test(l)), lines.join('\n'));
  // Only a file still running is named as such: never after its own line said it finished.
  lines.forEach((l, i) => {
    const named = /^… still running: (\S+) /.exec(l)?.[1];
    if (named) assert.ok(i < lines.indexOf(finished(named)!), `${named} named as running after it finished`);
  });
  // Two at a time: the quick file, queued after the slow one, ran beside it and finished first.
  assert.ok(lines.indexOf(finished('quick.test.js')!) < lines.indexOf(finished('slow.test.js')!), lines.join('\n'));
  assert.is(closingLine(results), '4 passed, 2 failed');
  assert.is(closingLine([]), '0 passed, 1 failed', 'no test executed is a failure');
});

test('a file whose before hook throws is failed with a reason, though uvu prints none', async () => {
  const dir = testFiles({ 'hook.test.js': "test.before(() => { throw new Error('setup failed'); });\ntest('one', () => assert.ok(true));\ntest('two', () => assert.ok(true));" });
  const lines: string[] = [];
  const { runTestFiles } = await pool();
  const [r] = await runTestFiles(['hook.test.js'], { dir, jobs: 1, log: (l) => lines.push(l) });
  assert.is(r.failed, 2);
  assert.match(lines.at(-1)!, /^✗ hook\.test\.js {2}\d+\.\ds {2}0 passed, 2 failed \(uvu gave no reason: a test\.before or test\.after hook threw\)$/);
});

test('a file that says it judges timing keeps the runner\'s CPU priority; every other file runs below it', async () => {
  const own = os.getPriority();
  const dir = testFiles({
    'timed.test.js': `// @judges-timing\nimport os from 'node:os';\ntest('priority', () => assert.is(os.getPriority(), ${own}));`,
    'plain.test.js': `import os from 'node:os';\ntest('priority', () => assert.is(os.getPriority(), ${Math.max(own, 10)}));`,
  });
  const lines: string[] = [];
  const { runTestFiles } = await pool();
  const results = await runTestFiles(['timed.test.js', 'plain.test.js'], { dir, jobs: 2, log: (l) => lines.push(l) });
  assert.equal(results.map((r) => [r.file, r.passed, r.failed]).sort(), [['plain.test.js', 1, 0], ['timed.test.js', 1, 0]], lines.join('\n'));
});

test('a file that outlives its limit is stopped, with the processes it started, and counted as failed, saying so', async () => {
  const pidFile = path.join(tempDir(), 'grandchild.pid');
  const dir = testFiles({
    'hangs.test.js': `import { spawn } from 'node:child_process';\nimport fs from 'node:fs';\ntest('never ends', () => {\n  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });\n  fs.writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));\n  return new Promise(() => {});\n});`,
  });
  const lines: string[] = [];
  const { runTestFiles } = await pool();
  const [r] = await runTestFiles(['hangs.test.js'], { dir, jobs: 1, log: (l) => lines.push(l), limitMs: 2500 });
  assert.is(r.failed, 1);
  assert.match(lines.at(-1)!, /^✗ hangs\.test\.js {2}\d+\.\ds {2}0 passed, 1 failed \(stopped after 2\.5s\)$/);
  const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
  const alive = () => {
    try {
      process.kill(grandchild, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const until = Date.now() + 3000; alive() && Date.now() < until; ) await new Promise((res) => setTimeout(res, 50));
  assert.not.ok(alive(), `the process the file started (${grandchild}) was stopped too`);
});

/** An executable that stands in for Chromium. */
function fakeBrowser(dir: string, name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return file;
}

function finder(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(packageRoot, 'dist', 'tests', 'helpers', 'chromium.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('Chromium is found from CDA_SIM_CHROMIUM, then CHROME_PATH, then the PATH (chromium, chromium-browser, google-chrome)', async () => {
  const bin = tempDir('cda-sim-fake-bin-');
  const chrome = fakeBrowser(bin, 'google-chrome');
  assert.is((await finder({ PATH: bin })).stdout.trim(), chrome);
  const chromiumBrowser = fakeBrowser(bin, 'chromium-browser');
  assert.is((await finder({ PATH: bin })).stdout.trim(), chromiumBrowser, 'chromium-browser before google-chrome');
  const elsewhere = fakeBrowser(tempDir('cda-sim-fake-'), 'my-chrome');
  assert.is((await finder({ PATH: bin, CHROME_PATH: elsewhere })).stdout.trim(), elsewhere);
  const mine = fakeBrowser(tempDir('cda-sim-fake-'), 'chromium');
  assert.is((await finder({ PATH: bin, CHROME_PATH: elsewhere, CDA_SIM_CHROMIUM: mine })).stdout.trim(), mine);
  assert.is(findChromium({ env: { PATH: tempDir() }, wellKnown: [chrome] }), chrome, 'a well-known path after the PATH');
});

test('a variable naming no executable is an error naming the variable, not a silent fallback', async () => {
  const bin = tempDir('cda-sim-fake-bin-');
  fakeBrowser(bin, 'chromium');
  const r = await finder({ PATH: bin, CDA_SIM_CHROMIUM: '/nowhere/chromium' });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^CDA_SIM_CHROMIUM is set to \/nowhere\/chromium, which is not an executable file/m);
});

test('no Chromium and no way to install it: a failure that says what is needed and how to get it, and installs nothing', () => {
  const env = { PATH: tempDir('cda-sim-empty-path-') };
  assert.not.ok(canInstallWithApt(env), 'no apt-get on this PATH');
  const said: string[] = [];
  let message = '';
  try {
    ensureChromium({ env, wellKnown: [] }, (l) => said.push(l));
  } catch (err) {
    message = (err as Error).message;
  }
  assert.match(message, /^The browser tests need Chromium and none was found \(looked at: \$CDA_SIM_CHROMIUM, \$CHROME_PATH, chromium on the PATH, chromium-browser on the PATH, google-chrome on the PATH\)\./);
  assert.ok(message.includes(`apt-get update && ${APT_INSTALL.join(' ')}`), message);
  assert.match(message, /set CDA_SIM_CHROMIUM to a Chromium or Chrome executable/);
  assert.equal(said, [], 'nothing was installed or announced');
});

test.run();
