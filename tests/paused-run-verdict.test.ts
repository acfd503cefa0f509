// A `--ci` run against a provider in its own process that nobody applies the update file for: it
// pauses after Stage 1 and must never look green. Exit 4; the Stage 2 cases skipped in JUnit with the
// reason; PAUSED on the PDF's first page, in the HTML, in `cda-sim runs` and in the console. With
// --stage1-only, Stage 2 was not asked for and the run can pass. `cda-sim stage2` rewrites the
// reports with real verdicts, judged with its own --expected-failures, --junit and --reports-dir.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { freePort, ownProviderSection, spawnProvider, type SpawnedProvider } from './helpers/spawn-provider.js';
import { pdfText } from './helpers/pdf.js';
import { startConsole } from '../simulator/console/console-app.js';
import { recordedSource } from '../simulator/console/source.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';

const ONLY = ['--only', 'S1-01', 'S1-02', 'S2-01', 'S2-06'];

let provider: SpawnedProvider;
let work: string;
let common: string[];
let dirs: string[];

/** The `<testcase>` element of one test id in a JUnit file. */
function junitCase(xml: string, id: string): string {
  return new RegExp(`<testcase [^>]*name="${id} [\\s\\S]*?</testcase>`).exec(xml)?.[0] ?? '';
}

test.before(async () => {
  const { dir: certsDir } = await sharedMaterial();
  const [httpsPort, httpPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  provider = await spawnProvider({ httpsPort, httpPort, certsDir, stateDir: tempDir() });
  work = tempDir();
  const cfg = path.join(work, 'cda-sim.config.json');
  fs.writeFileSync(cfg, JSON.stringify({ provider: ownProviderSection(provider), budgets: { updateWindowMs: 1000 }, simulator: { httpsPort, httpPort, adminPort } }));
  dirs = ['--certs-dir', certsDir, '--state-dir', path.join(work, 'state')];
  common = ['--ci', '--config', cfg, ...dirs];
});

test.after(() => provider?.stop());

test('a paused --ci run exits 4: Stage 2 skipped in JUnit, PAUSED in the PDF, the HTML, `runs` and the console', async () => {
  const r = await cliProcess(['rehearse', ...common, ...ONLY, '--junit', 'out/junit.xml', '--reports-dir', 'reports'], work);
  const all = `${r.stdout}\n${r.stderr}`;
  assert.is(r.code, 4, all);
  // Said at the start, in one line, before the first phase.
  const warning = r.stdout.indexOf('Stage 2 will not run:');
  assert.ok(warning >= 0 && warning < r.stdout.indexOf('== clear-down'), all);
  assert.match(r.stdout, /Stage 2 will not run: .*--apply-updates "<command>".*--stage1-only/);
  const runId = /cda-sim stage2 --run (\S+)/.exec(r.stdout)![1];
  // The last word says the C&A is needed to apply the file, and how to have it up.
  assert.match(r.stdout, new RegExp(`^PAUSED after Stage 1 \\(exit 4\\): .*stopped with the run: \`cda-sim stage2 --run ${runId} --apply-updates "<your command>"\` starts it`, 'm'));

  const xml = fs.readFileSync(path.join(work, 'out', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites [^>]*tests="4" failures="0" errors="0" skipped="2"/);
  for (const id of ['S2-01', 'S2-06']) assert.match(junitCase(xml, id), /<skipped message="not run: not played: the run paused after Stage 1, waiting for the update file to be applied/, id);
  assert.not.match(junitCase(xml, 'S1-02'), /<skipped|<failure|<error/);

  const runFolder = path.join(work, 'state', 'runs', runId);
  const results = JSON.parse(fs.readFileSync(path.join(runFolder, 'results.json'), 'utf8')) as RunResults;
  assert.is(results.run.status, 'paused');
  assert.equal(results.testCases.map((t) => `${t.id} ${t.verdict}`), ['S1-01 pass', 'S1-02 pass', 'S2-01 not-run', 'S2-06 not-run']);
  assert.equal([results.summary.passed, results.summary.notRun], [2, 2]);

  const firstPage = (await pdfText(path.join(runFolder, 'report.pdf'))).split('\f')[0];
  assert.match(firstPage, /PAUSED: 2 passed, 0 failed \(4 test cases, 2 not run\)/);
  assert.not.match(firstPage, /PASSED/);
  const html = fs.readFileSync(path.join(runFolder, 'report.html'), 'utf8');
  assert.match(html, /<div class="outcome open">PAUSED: 2 passed/);
  assert.match(html, /<span class="v v-not-run">NOT RUN<\/span>/);
  assert.not.match(html, /PASSED/);
  // --reports-dir gets every report, results.json and the update file.
  assert.equal(fs.readdirSync(path.join(work, 'reports', runId)).sort(), ['junit.xml', 'report.html', 'report.pdf', 'results.json', 'update-file.csv', 'update-file.json']);

  const runs = await cliProcess(['runs', '--state-dir', path.join(work, 'state')], work);
  assert.match(runs.stdout, new RegExp(`^${runId}\\s.*PAUSED\\s+2/4\\s+\\(2 not run\\)$`, 'm'), runs.stdout);

  const served = await startConsole({ source: await recordedSource({ stateDir: path.join(work, 'state') }) });
  try {
    const api = served.url.replace(/\/console\/$/, '/console/api');
    const listed = (await (await fetch(`${api}/runs`)).json()) as { runs: { id: string; state: string; verdict: string }[] };
    assert.equal(listed.runs.map((x) => [x.id, x.state, x.verdict]), [[runId, 'paused', 'PAUSED']]);
    const overview = (await (await fetch(`${api}/overview`)).json()) as { run: { verdict: string } };
    assert.is(overview.run.verdict, 'PAUSED');
  } finally {
    await served.close();
  }
});

test('`cda-sim stage2` resumes it with --expected-failures, --junit and --reports-dir: real verdicts replace NOT RUN', async () => {
  // The provider here cannot read the update file, so S2-01 fails: listed, it is an expected failure.
  fs.writeFileSync(path.join(work, 'known.txt'), 'S2-01  # the provider does not apply updates yet\n');
  const r = await cliProcess(['stage2', '--ci', ...dirs, '--expected-failures', 'known.txt', '--junit', 'out/stage2.xml', '--reports-dir', 'stage2-reports'], work);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /expected failures \(listed, not failing the run\): S2-01/);
  const xml = fs.readFileSync(path.join(work, 'out', 'stage2.xml'), 'utf8');
  assert.match(junitCase(xml, 'S2-01'), /<skipped message="expected failure: no PATCH/);
  assert.not.match(junitCase(xml, 'S2-06'), /<skipped|<failure|<error/);
  assert.match(xml, /<testsuites [^>]*failures="0" errors="0" skipped="1"/);
  const runId = fs.readdirSync(path.join(work, 'stage2-reports'))[0];
  const results = JSON.parse(fs.readFileSync(path.join(work, 'stage2-reports', runId, 'results.json'), 'utf8')) as RunResults;
  assert.is(results.run.status, 'complete');
  assert.is(results.summary.notRun, 0);
  assert.match((await pdfText(path.join(work, 'state', 'runs', runId, 'report.pdf'))).split('\f')[0], /PASSED: 3 passed, 1 failed \(4 test cases\); 1 of the failures expected/);
});

test('--stage1-only: Stage 2 is not asked for, the run can pass (exit 0), and the reports say so', async () => {
  const r = await cliProcess(['rehearse', ...common, ...ONLY, '--stage1-only'], work);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.not.match(r.stdout, /Stage 2 will not run/);
  assert.match(r.stdout, /Stage 1 only, as asked \(--stage1-only\)/);
  const runId = /^run (\S+) is kept/m.exec(r.stdout)![1];
  const runFolder = path.join(work, 'state', 'runs', runId);
  const results = JSON.parse(fs.readFileSync(path.join(runFolder, 'results.json'), 'utf8')) as RunResults;
  assert.equal(results.testCases.map((t) => t.id), ['S1-01', 'S1-02']);
  assert.equal(results.run.notAskedFor, ['Integration Stage 2']);
  assert.ok(fs.existsSync(path.join(runFolder, 'update-file.json')), 'the update file is still written');
  assert.match((await pdfText(path.join(runFolder, 'report.pdf'))).split('\f')[0], /PASSED: 2 passed[\s\S]*Not asked for: Integration Stage 2 \(--stage1-only\)/);
});

test.run();
