#!/usr/bin/env node
// `npm test`: build, then run every uvu test file in dist/tests, a few files at a time (most of a
// file's time is spent waiting on timers and child processes), each in its own process. Each file's
// name, time and counts are printed as it finishes, and a file still running is named every minute,
// so no minute passes in silence. The last line is "N passed, N failed", which CI reads; a run that
// executed no test is a failure.
//
//   node scripts/test.mjs ['<regex matching test file names>']
//   CDA_SIM_TEST_JOBS=N   files run at once (default three per core, at most eight)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closingLine, runTestFiles, seconds } from './test-pool.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pattern = process.argv[2] ?? '';
// Most of a file's time is spent waiting on timers and other processes: three files per core keep
// the cores busy (six on a 2-core machine), up to eight.
const jobs = Number(process.env.CDA_SIM_TEST_JOBS ?? Math.min(8, 3 * os.availableParallelism()));
// Each file's last time, so the longest start first (git-ignored, like everything in node_modules).
const timesFile = path.join(root, 'node_modules', '.cache', 'cda-sim', 'test-times.json');
// Where no file has a time of its own yet (a fresh clone, CI): the files that took 45 s or more in a
// full run here, longest first, started first so that none of them is left to run alone at the end.
const LONG_FILES = [
  'defect-detection.test.js',
  'defect-detection-timing.test.js',
  'case-groups.test.js',
  'strictness.test.js',
  'bundle-replay.test.js',
  'system-test.test.js',
  'spec-profile.test.js',
  'own-provider-window.test.js',
  'bundle-hostile.test.js',
  'spec-profile-rehearsal.test.js',
  'cli-bad-inputs.test.js',
  'console-truth.test.js',
  'expected-failures.test.js',
  'console-browser.test.js',
  'stage-pause-resume.test.js',
];

function usage(message) {
  console.error(`test.mjs: ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(2);
}

if (!Number.isInteger(jobs) || jobs < 1 || jobs > 16) usage(`CDA_SIM_TEST_JOBS must be a whole number from 1 to 16, not "${process.env.CDA_SIM_TEST_JOBS}"`);
let nameFilter;
try {
  nameFilter = new RegExp(`${pattern ? `(${pattern}).*` : ''}\\.test\\.js$`, 'i');
} catch (err) {
  usage(`the file pattern is not a regular expression: ${err.message}`);
}

function build() {
  // A fresh build: a test file deleted from tests/ must not live on as a stale compiled copy.
  const started = Date.now();
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('the TypeScript build failed');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`built in ${seconds(Date.now() - started)}`);
}

/** A file's last time here, else a minute for a known long one, else nothing known. */
function expectedMs(file, times) {
  return times[file] ?? (LONG_FILES.includes(file) ? 60_000 + LONG_FILES.length - LONG_FILES.indexOf(file) : 0);
}

function readTimes() {
  try {
    return JSON.parse(fs.readFileSync(timesFile, 'utf8'));
  } catch {
    return {};
  }
}

function writeTimes(times) {
  try {
    fs.mkdirSync(path.dirname(timesFile), { recursive: true });
    fs.writeFileSync(timesFile, JSON.stringify(times, null, 1));
  } catch {
    // Only an ordering hint: a read-only tree runs the files in name order next time.
  }
}

/** The browser tests' Chromium: found, or installed where this can (see tests/helpers/chromium.ts). */
async function chromiumFor(files) {
  const needing = files.filter((f) => fs.readFileSync(path.join(root, 'dist', 'tests', f), 'utf8').includes('helpers/browser.js'));
  if (!needing.length) return {};
  const { ensureChromium } = await import(path.join(root, 'dist', 'tests', 'helpers', 'chromium.js'));
  try {
    const found = ensureChromium({ env: process.env });
    console.log(`Chromium for ${needing.length} browser test file(s): ${found}`);
    return { CDA_SIM_CHROMIUM: found };
  } catch (err) {
    // Not a skip: the browser test files still run, and fail with this same message.
    console.error(`${err.message}\n(${needing.join(', ')} will fail)`);
    return {};
  }
}

/** The certs and keys every test file shares, generated once (about a second of RSA each) not per file. */
async function sharedCerts() {
  const { SHARED_CERTS_VARIABLE, testMaterial } = await import(path.join(root, 'dist', 'tests', 'helpers', 'fixtures.js'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-test-certs-'));
  await testMaterial(dir);
  return { [SHARED_CERTS_VARIABLE]: dir };
}

async function main() {
  build();
  const dir = path.join(root, 'dist', 'tests');
  const times = readTimes();
  const files = fs
    .readdirSync(dir)
    .filter((f) => nameFilter.test(f))
    .sort((a, b) => expectedMs(b, times) - expectedMs(a, times) || a.localeCompare(b));
  if (!files.length) {
    console.error(`no test file matches ${pattern ? `"${pattern}"` : 'the suite'}: that is a failure`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const env = { ...(await chromiumFor(files)), ...(await sharedCerts()) };
  const started = Date.now();
  console.log(`${files.length} test file(s), ${Math.min(jobs, files.length)} at a time`);
  const results = await runTestFiles(files, { dir: path.join('dist', 'tests'), jobs, env, label: (f) => `tests/${f}` });
  fs.rmSync(env.CDA_SIM_TEST_CERTS, { recursive: true, force: true });

  for (const r of results) times[r.file] = r.ms;
  writeTimes(times);
  const failing = results.filter((r) => r.failed).map((r) => `tests/${r.file}`);
  console.log(`\n${results.length} file(s) in ${seconds(Date.now() - started)} (${Math.min(jobs, results.length)} at a time)${failing.length ? `; failing: ${failing.join(', ')}` : ''}`);
  const last = closingLine(results);
  console.log(last);
  process.exit(/ 0 failed/.test(last) ? 0 : 1);
}

await main();
