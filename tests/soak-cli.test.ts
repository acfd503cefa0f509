// `cda-sim soak` as a user runs it, in a child process: a few seconds of signed finds and view dances
// against the reference provider over HTTPS with mTLS. The histogram counts must be the requests
// the run's own journal holds, the availability figure what was answered, a breached threshold must
// exit 1 and be the one failed JUnit case; a provider that answers views slowly (a deliberate defect
// of the catalogue, in its own process, soaked through --config) must breach the slow-view threshold,
// and one that undercounts its view requests under sustained traffic must fail the reporting check;
// and a bad option is a usage error (exit 2) before anything is touched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { freePort, ownProviderSection, spawnProvider } from './helpers/spawn-provider.js';
import { CLI } from './helpers/spawn-sim.js';
import { pdfText } from './helpers/pdf.js';
import { artefactPath, launchChromium } from './helpers/browser.js';
import { packageRoot } from '../simulator/core/paths.js';
import { readRunJournal } from '../simulator/runs/run-record.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';

/** The kept run's folder and results, from the line the command prints (relative to where it ran). */
const resultsOf = (cwd: string, stdout: string): { dir: string; results: RunResults } => {
  const written = /results: (\S+results\.json)/.exec(stdout)?.[1];
  assert.ok(written, `a results line in:\n${stdout}`);
  const file = path.resolve(cwd, written!);
  return { dir: path.dirname(file), results: JSON.parse(fs.readFileSync(file, 'utf8')) as RunResults };
};

test('usage errors name the option and the rule, exit 2, and touch nothing', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const cases: [string[], RegExp][] = [
    [['--slo', 'find-ack:p99<<2s'], /--slo "find-ack:p99<<2s": the value "<2s" is not a number of ms or s/],
    [['--slo', 'find-ack:p99'], /--slo "find-ack:p99": must be METRIC\[:STAT\] OP VALUE/],
    [['--slo', 'find-ack<2s'], /--slo "find-ack<2s": find-ack needs a statistic/],
    [['--slo', 'finds:p99<2s'], /--slo "finds:p99<2s": unknown metric "finds"/],
    [['--slo', 'availability>99.5'], /--slo "availability>99.5": a rate is a percentage/],
    [['--rate', '0/s'], /--rate "0\/s": must be a positive rate/],
    [['--rate', '5/s', '--ramp', '1/s..2/s'], /--rate and --ramp: give one rate profile/],
    [['--steps', '5/s-30s'], /--steps "5\/s-30s": each step must be RATE:DURATION/],
    [['--duration', '10 minutes'], /--duration "10 minutes": must be a positive duration/],
    [['--fault-mix', '418=1%'], /--fault-mix "418=1%": the status must be one the C&A declares/],
    [['--max-in-flight', '0'], /--max-in-flight: must be a whole number of at least 1/],
    [['--submit-reporting', 'true'], /--submit-reporting: only with --config/],
    [['--config', 'missing.yaml'], /config file missing\.yaml does not exist/],
  ];
  for (const [args, message] of cases) {
    const r = await cliProcess(['soak', '--state-dir', 'state', '--certs-dir', certsDir, ...args], cwd);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.not.ok(fs.existsSync(path.join(cwd, 'state')), `${args.join(' ')}: nothing is touched`);
  }
});

test('a soak of the reference provider: counts agree with the journal, availability 100%, a breached threshold exits 1 and is its JUnit failure', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const junit = path.join(cwd, 'soak-junit.xml');
  const r = await cliProcess(
    ['soak', '--ci', '--duration', '4s', '--rate', '4/s', '--state-dir', 'state', '--certs-dir', certsDir, '--junit', junit, '--slo', 'availability>=99.5%', '--slo', 'slow-views<=0', '--slo', 'find-ack:max<0.01ms'],
    cwd,
    {},
    90000,
  );
  assert.is(r.code, 1, r.stdout + r.stderr);
  const { dir, results } = resultsOf(cwd, r.stdout);
  const f = results.soak!;
  // The open model sends every find the schedule asks for: 4/s for 4 s.
  assert.is(f.sent.finds, 16);
  // Every find was acknowledged and registered, and every PeI registered was viewed.
  assert.is(f.stages['find-ack'].count, 16);
  assert.is(f.stages['find-ack'].ok, 16);
  assert.is(f.registrations.seen, 16);
  assert.ok(f.sent.views >= 16, `views: ${f.sent.views}`);
  for (const leg of ['view-challenge', 'view-rpt', 'view-data', 'view'] as const) assert.is(f.stages[leg].ok, f.sent.views, leg);
  // The histograms count exactly the exchanges the run's journal holds.
  const journal = readRunJournal(dir);
  const finds = journal.filter((e) => e.role === 'pfs' && e.direction === 'out' && e.method === 'POST');
  const dataLegs = journal.filter((e) => e.role === 'dashboard' && e.direction === 'out' && e.method === 'GET' && /^Bearer \S/.test(e.requestHeaders.authorization ?? e.requestHeaders.Authorization ?? ''));
  const registrations = journal.filter((e) => e.role === 'ca' && e.direction === 'in' && e.method === 'POST' && e.path === '/rreguri');
  assert.is(finds.length, f.stages['find-ack'].count);
  assert.is(dataLegs.length, f.stages['view-data'].count);
  assert.is(registrations.length, f.sent.views);
  const caIn = journal.filter((e) => e.role === 'ca' && e.direction === 'in' && !(e.path === '/token' && JSON.stringify(e.requestBody).includes('uma-ticket')));
  assert.is(f.stages['ca-calls'].count, caIn.length);
  // Availability: every find and view answered correctly in time.
  assert.equal(f.availability.total, f.sent.finds + f.sent.views);
  assert.is(f.availability.share, 1);
  assert.is(f.errors.total, 0);
  assert.ok(f.stages['find-ack'].p50 > 0 && f.stages['find-ack'].p50 <= f.stages['find-ack'].p99 && f.stages['find-ack'].p99 <= f.stages['find-ack'].max);
  // One test case per threshold, then the reporting check; only the impossible threshold fails.
  const reporting = ['REP-01', 'REP-02', 'REP-03', 'REP-04', 'REP-05', 'REP-06', 'REP-07'];
  assert.equal(results.testCases.map((t) => [t.id, t.verdict]), [['availability>=99.5%', 'pass'], ['slow-views<=0', 'pass'], ['find-ack:max<0.01ms', 'fail'], ...reporting.map((id) => [id, 'pass'])]);
  // The reference provider's reports agree with what the soak sent: as many view requests per holdername as it journalled.
  assert.match(results.testCases.find((t) => t.id === 'REP-03')!.reasons.join(' | '), /req_count/);
  assert.match(r.stdout, /reporting: the reference provider submits its daily reports for \d{4}-\d{2}-\d{2}/);
  const xml = fs.readFileSync(junit, 'utf8');
  assert.is((xml.match(/<testcase /g) ?? []).length, 3 + reporting.length);
  assert.is((xml.match(/<failure /g) ?? []).length, 1);
  assert.match(xml, /<testcase[^>]*name="find-ack:max&lt;0\.01ms[^"]*"[^>]*>\s*<failure message="find-ack max was [\d.]+ ms; the threshold is &lt; 0\.01 ms: BREACHED"/);
  assert.match(r.stdout, /availability: 100% \(\d+ of \d+/);
  // Kept like any run: `runs` lists it and `export` bundles it.
  const exported = await cliProcess(['export', results.run.id, '--state-dir', 'state', '--out', 'soak.tar.gz'], cwd);
  assert.is(exported.code, 0, exported.stderr);
  assert.ok(fs.statSync(path.join(cwd, 'soak.tar.gz')).size > 0);
});

test('a background fault mix goes through the fault registry: the C&A answers some of the provider\'s calls 503, and the soak counts them', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const r = await cliProcess(['soak', '--ci', '--duration', '3s', '--rate', '5/s', '--fault-mix', '503=25%', '--state-dir', 'state', '--certs-dir', certsDir, '--slo', 'errors>=0'], cwd, {}, 90000);
  assert.ok(r.code === 0 || r.code === 1, r.stdout + r.stderr);
  const { dir, results } = resultsOf(cwd, r.stdout);
  const f = results.soak!;
  const armed = f.faultMix?.armed['503'] ?? 0;
  assert.ok(armed > 0, `503 rules armed: ${JSON.stringify(f.faultMix)}`);
  const journal = readRunJournal(dir);
  const providerCalls = journal.filter((e) => e.role === 'ca' && e.direction === 'in' && !(e.path === '/token' && JSON.stringify(e.requestBody).includes('uma-ticket')));
  const answered503 = providerCalls.filter((e) => e.status === 503).length;
  // Each armed rule answers one call at most; the ones that fired are the C&A's 503s, and the stage counts them as its errors.
  assert.ok(answered503 > 0 && answered503 <= armed, `503s: ${answered503}, armed: ${armed}`);
  assert.is(f.stages['ca-calls'].errors, providerCalls.filter((e) => e.status >= 300).length);
  assert.match(r.stdout, /background C&A faults \(--fault-mix 503=25%\): \d+ × 503/);
});

test('each soak defect of the catalogue, soaked in its own process, fails exactly the thresholds and reporting checks it catches', async () => {
  const catalogue = JSON.parse(fs.readFileSync(path.join(packageRoot, 'tests', 'defect-catalogue.json'), 'utf8')).defects as { fault: string; soak?: boolean; soakArgs: string[]; catches: string[]; reasons: Record<string, string> }[];
  const soakDefects = catalogue.filter((d) => d.soak);
  assert.ok(soakDefects.length > 1);
  const { dir: certsDir } = await sharedMaterial();
  for (const d of soakDefects) {
    const cwd = tempDir();
    const [httpsPort, httpPort] = [await freePort(), await freePort()];
    const provider = await spawnProvider({ httpsPort, httpPort, certsDir, stateDir: path.join(cwd, 'provider-state'), faults: [d.fault] });
    try {
      const config = { provider: ownProviderSection(provider, { name: `provider with ${d.fault}` }), simulator: { httpsPort, httpPort, adminPort: -1 } };
      fs.writeFileSync(path.join(cwd, 'cda-sim.config.json'), JSON.stringify(config));
      // After the soak, the provider is asked to submit its daily reports, as a provider's own command would.
      const submit = `"${process.execPath}" "${CLI}" provider submit-reporting --provider-url ${new URL(provider.findUrl).origin} --certs-dir "${certsDir}"`;
      const r = await cliProcess(['soak', '--ci', '--config', 'cda-sim.config.json', ...d.soakArgs, '--state-dir', 'state', '--certs-dir', certsDir, '--slo', 'slow-views<=0', '--slo', 'find-ack:p99<5s', '--submit-reporting', submit], cwd, {}, 90000);
      assert.is(r.code, 1, r.stdout + r.stderr);
      const { results } = resultsOf(cwd, r.stdout);
      assert.equal(results.testCases.filter((t) => t.verdict !== 'pass').map((t) => t.id), d.catches, d.fault);
      for (const [id, pattern] of Object.entries(d.reasons)) assert.match(results.testCases.find((t) => t.id === id)!.reasons.join(' | '), new RegExp(pattern), `${d.fault}: ${id}`);
      // The reporting check ran: its seven cases are in the run, judged.
      assert.equal(results.testCases.filter((t) => t.phase === 'reporting').map((t) => t.id), ['REP-01', 'REP-02', 'REP-03', 'REP-04', 'REP-05', 'REP-06', 'REP-07']);
      soakDefectChecks[d.fault]?.(results, r.stdout);
    } finally {
      provider.stop();
    }
  }
});

test('the honest reference provider, soaked as each soak defect is, fails none of the checks they are caught by', async () => {
  const catalogue = JSON.parse(fs.readFileSync(path.join(packageRoot, 'tests', 'defect-catalogue.json'), 'utf8')).defects as { fault: string; soak?: boolean; soakArgs: string[]; catches: string[] }[];
  const { dir: certsDir } = await sharedMaterial();
  for (const d of catalogue.filter((x) => x.soak)) {
    const cwd = tempDir();
    const r = await cliProcess(['soak', '--ci', ...d.soakArgs, '--state-dir', 'state', '--certs-dir', certsDir, '--slo', 'slow-views<=0', '--slo', 'find-ack:p99<5s'], cwd, {}, 90000);
    assert.is(r.code, 0, `as ${d.fault} is soaked: ${r.stdout}${r.stderr}`);
    const { results } = resultsOf(cwd, r.stdout);
    for (const id of d.catches) assert.is(results.testCases.find((t) => t.id === id)?.verdict, 'pass', `${id}, as ${d.fault} is soaked`);
  }
});

/** What each soak defect's run must show besides the ids it fails. */
const soakDefectChecks: Record<string, (results: RunResults, stdout: string) => void> = {
  // Every view was slow, each counted; the provider's slow-view reports matched the views the soak saw take over 10 s.
  'slow-view-data': (results, stdout) => {
    const f = results.soak!;
    assert.ok(f.sent.views > 0);
    assert.is(f.slowViews.count, f.sent.views);
    assert.is(f.availability.views.ok, 0);
    const rep04 = results.testCases.find((t) => t.id === 'REP-04')!;
    assert.is(rep04.verdict, 'pass', stdout);
    assert.match(rep04.reasons.join(' | '), /[1-9]\d* slow view\(s\) reported \(cda-sim saw [1-9]/);
  },
  // Its slow-view and flag reports hold (REP-04, REP-06 pass): only the count it reported falls short of what it served.
  'undercount-views-under-load': (results) => {
    const [reported, sent] = [...results.testCases.find((t) => t.id === 'REP-03')!.reasons.join(' ').matchAll(/req_count (\d+), but cda-sim sent (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
    assert.ok(reported < sent, `reported ${reported} of ${sent}`);
  },
};

test('the reports show the soak: figures and charts in the HTML (drawn in Chromium, a screenshot kept), figures in the PDF', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const r = await cliProcess(['soak', '--ci', '--duration', '3s', '--rate', '3/s', '--state-dir', 'state', '--certs-dir', certsDir], cwd, {}, 90000);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const { dir, results } = resultsOf(cwd, r.stdout);
  const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
  assert.match(html, /<h2[^>]*>Soak<\/h2>/);
  assert.match(html, /<svg[^>]*aria-label="latency over time"/);
  assert.match(html, /<svg[^>]*aria-label="latency by percentile"/);
  assert.match(html, new RegExp(`${results.soak!.sent.finds} finds`));
  // Drawn, not just written: each chart has a size on the page and a line per series.
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(`file://${path.join(dir, 'report.html')}`);
    for (const label of ['latency over time', 'latency by percentile']) {
      const chart = page.locator(`svg[aria-label="${label}"]`);
      const box = await chart.boundingBox();
      assert.ok(box && box.width > 400 && box.height > 200, `${label}: ${JSON.stringify(box)}`);
      assert.ok((await chart.locator('polyline').count()) >= 2, `${label}: a line per series`);
    }
    await page.locator('#soak').scrollIntoViewIfNeeded();
    await page.screenshot({ path: artefactPath('soak-report.png'), fullPage: true });
  } finally {
    await browser.close();
  }
  const pdf = await pdfText(path.join(dir, 'report.pdf'));
  assert.match(pdf, /Soak/);
  assert.match(pdf, /find acknowledgement \(202\)/);
  assert.match(pdf, /availability/i);
});

test.run();
