// Evidence a test manager can submit, and reasons that decide: the summary table and every report
// give the reason that decided each verdict with the exchange that broke the rule; the PDF leads
// with every failure on page 1, embeds a font that prints Welsh and Polish names exactly, and is
// tagged; the HTML lists failures first, folds passes, and never splits a word in a table; every
// reference names a public source. The real run plays the reference provider with a defect
// (registering a description other than the scheme name), against test data whose scheme names
// are Welsh and Polish, so the names come from the run itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { rehearse, type RehearsalOutcome } from './helpers/rehearse.js';
import { summaryTable } from '../simulator/reports/results.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import { toHtml } from '../simulator/reports/html.js';
import { reportingTestCases } from '../simulator/scenarios/reporting-pipeline.js';
import { scenariosDir } from '../simulator/core/paths.js';
import type { TestCaseResult } from '../simulator/scenarios/types.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { pdfFacts, pdfText, renderPdfPage } from './helpers/pdf.js';
import { artefactPath, launchChromium } from './helpers/browser.js';

const ex = (time: string, path: string, status: number, requestId: string) => ({ time, direction: 'out' as const, role: 'dashboard', method: 'GET', path, status, durationMs: 40, requestId });

/** A view case whose first check (the challenge) passed and whose last (the view data) failed. */
function results(maxMs = 40): RunResults {
  const challenge = ex('2026-01-01T10:00:01.000Z', '/view-data/9b1f0c2e-aaaa', 401, 'req-challenge');
  const data = ex('2026-01-01T10:00:02.000Z', '/view-data/9b1f0c2e-aaaa', 200, 'req-data');
  const cases: TestCaseResult[] = [
    {
      id: 'S1-27', title: 'A definite match is viewed', rule: 'the view data carries the registered scheme name', reference: 'https://example.org/standard', scenario: 'stage1', phase: 'stage1', verdict: 'pass',
      reasons: ['a first view leg with no Authorization header: 401 with a UMA challenge', 'signed view data, valid'], decision: { check: 'view-data-valid', reason: 'signed view data, valid', exchange: data },
      exchanges: [challenge, { ...data, durationMs: maxMs }], startedAt: '2026-01-01T10:00:00.000Z', durationMs: 10,
    },
    {
      id: 'S1-35', title: 'A possible match is viewed', rule: 'the view data carries the registered scheme name', reference: 'https://example.org/standard', scenario: 'stage1', phase: 'stage1', verdict: 'fail',
      reasons: ['view_data pensionProviderSchemeName is "A", but the PeI was registered with description "B"', 'a second violation'],
      decision: { check: 'view-data-valid', reason: 'view_data pensionProviderSchemeName is "A", but the PeI was registered with description "B"', exchange: data },
      exchanges: [challenge, data], startedAt: '2026-01-01T10:00:03.000Z', durationMs: 10,
    },
  ];
  return {
    run: { id: 'R1', cdaSimVersion: '0.1.0', profile: 'p', provider: 'x', configDigest: 'd', startedAt: '2026-01-01T10:00:00.000Z', finishedAt: '2026-01-01T10:01:00.000Z', scenarios: ['stage1'] },
    summary: { total: 2, passed: 1, failed: 1, errors: 0, notRun: 0, notApplicable: 0 },
    testCases: cases,
  };
}

test("the summary table gives the deciding check's reason and exchange, and under it each failure with its rule", () => {
  const table = summaryTable(results(), 400);
  const row = (id: string) => table.split('\n').find((l) => l.startsWith(`${id} `))!;
  assert.match(row('S1-27'), /signed view data, valid$/);
  assert.not.match(row('S1-27'), /401 with a UMA challenge/, 'not the first check');
  assert.match(row('S1-35'), /pensionProviderSchemeName is "A".*\[GET \/view-data\/9b1f0c2e-aaaa → 200, X-Request-ID req-data\] \(and 1 more\)/);
  assert.match(table, /What decided each failure:\nS1-35 FAIL: view_data pensionProviderSchemeName is "A"[^\n]*\n {4}exchange: GET \/view-data\/9b1f0c2e-aaaa → 200, X-Request-ID req-data \(2026-01-01T10:00:02\.000Z\)\n {4}rule: the view data carries the registered scheme name/);
});

test('the HTML lists failures first, folds passes, marks the exchange that broke the rule, and never splits a word in a table', () => {
  const html = toHtml(results());
  assert.not.match(html, /overflow-wrap:\s*anywhere/);
  assert.ok(html.indexOf('<h2 id="failures">Failures (1)</h2>') < html.indexOf('S1-27'), 'the failures table comes before any pass');
  const failure = html.indexOf('<section class="case fail"');
  const pass = html.indexOf('<details class="case pass"');
  assert.ok(failure > 0 && pass > failure, 'the failing case is open and before the folded pass');
  assert.match(html, /<tr class="decisive"><td><span class="marker">▶ broke the rule<\/span>/);
  assert.is((html.match(/<tr class="decisive">/g) ?? []).length, 1, 'only the failing case marks an exchange');
  // Breaks only at spaces and after slashes: the hyphenated piece is kept whole.
  assert.match(html, /\/<wbr><span class="nw">view-data<\/span>\/<wbr><span class="nw">9b1f0c2e-aaaa<\/span>/);
  // A harmless maximum is not red; a reportable one (over 10 s) is.
  assert.match(html, /fill="#57606a">max 40<\/text>/);
  assert.match(toHtml(results(12_000)), /fill="#cf222e">max 12,000 \(over 10 s: reportable\)<\/text>/);
});

test('every reference of every test case names a public source, never an internal file', () => {
  const refs: [string, string][] = reportingTestCases().map((c) => [c.id, c.reference]);
  for (const f of fs.readdirSync(scenariosDir).filter((n) => n.endsWith('.json'))) {
    const s = JSON.parse(fs.readFileSync(path.join(scenariosDir, f), 'utf8')) as { testCases?: { id: string; reference: string }[] };
    for (const t of s.testCases ?? []) refs.push([t.id, t.reference]);
  }
  assert.ok(refs.length > 150, `${refs.length} references`);
  for (const [id, ref] of refs) {
    assert.not.match(ref, /\b[a-z-]+\.md §|DESIGN|pitfall P|README/, `${id}: ${ref}`);
    assert.match(ref, /https:\/\/|github\.com\/|cda-sim testdata/, `${id} names where to read it: ${ref}`);
  }
});

let run: RehearsalOutcome;

test('a real run with a defect: the failures are decided by the failing check and name their exchange', async () => {
  const { dir } = await sharedMaterial();
  run = await rehearse({ stateDir: tempDir(), certsDir: dir, reportsDir: tempDir(), only: ['S1-01', 'S1-11', 'S1-17', 'S1-35'], referenceFaults: ['wrong-description'], progress: () => {} });
  const byId = (id: string) => run.results.testCases.find((t) => t.id === id)!;
  assert.equal(['S1-11', 'S1-17', 'S1-35'].map((id) => byId(id).verdict), ['fail', 'fail', 'fail']);
  // S1-35's first check (the challenge) passed: the view data check decided.
  const s135 = byId('S1-35');
  assert.is(s135.decision!.check, 'view-data-valid');
  assert.match(s135.decision!.reason, /pensionProviderSchemeName is "Cynllun Pensiwn Gŵyr", but the PeI was registered with description "Cynllun Pensiwn Gŵyr \(FORMER NAME\)"/);
  assert.equal([s135.decision!.exchange!.method, s135.decision!.exchange!.status], ['GET', 200]);
  assert.match(s135.decision!.exchange!.path, /^\/view-data\//);
  assert.ok(s135.exchanges.some((e) => e.requestId === s135.decision!.exchange!.requestId), 'the deciding exchange is among the cited ones');
  // A registration failure names the registration that broke the rule.
  const s117 = byId('S1-17');
  assert.equal([s117.decision!.check, s117.decision!.exchange!.method, s117.decision!.exchange!.path], ['registered-as-expected', 'POST', '/rreguri']);
  assert.match(s117.decision!.reason, /description is "Larchmoor Łódź Hybrid Pension Scheme \(FORMER NAME\)"; it must equal/);
  // JUnit's failure message is the deciding line too, and its text names the exchange.
  const junit = fs.readFileSync(run.reports.junit, 'utf8');
  assert.match(junit, /<failure message="view_data arrangements\[0\]\.pensionProviderSchemeName: [^"]*\[GET \/view-data\/[^"]*→ 200, X-Request-ID [0-9a-f-]{36}\]"/);
  assert.match(junit, /the exchange that broke the rule: \S+ out dashboard GET \/view-data\/\S+ → 200/);
  const table = summaryTable(run.results, 200);
  assert.match(table, /S1-35 FAIL: view_data[^\n]*\n {4}exchange: GET \/view-data\/\S+ → 200, X-Request-ID [0-9a-f-]{36}/);
});

test('the PDF: every failure on page 1 with its id, title and reason; Gŵyr and Łódź exactly; the font embedded; tagged; the exchange marked', async () => {
  const file = run.reports.pdf;
  const pages = (await pdfText(file)).split('\f');
  const first = pages[0];
  assert.match(first, /FAILED: /);
  assert.match(first, /Failures \(3\)/);
  for (const id of ['S1-11', 'S1-17', 'S1-35']) {
    const t = run.results.testCases.find((c) => c.id === id)!;
    assert.ok(first.replace(/\s+/g, ' ').includes(`${id} FAIL ${t.title}`), `${id} with its title on page 1`);
  }
  assert.ok(first.includes('Gŵyr'), 'Welsh ŵ on page 1');
  assert.ok(first.includes('Łódź'), 'Polish Ł, ó, ź on page 1');
  assert.ok(pages.join('').includes('BROKE THE RULE'), 'the exchange that broke the rule is marked');
  const facts = await pdfFacts(file);
  assert.ok(facts.tagged, 'MarkInfo says Marked (pdfinfo: Tagged: yes)');
  assert.is(facts.pagesWithStructure, facts.pages, 'every page has its structure tree');
  assert.is(facts.language, 'en-GB');
  // DejaVu Sans as a CID TrueType font, embedded as a subset: what pdffonts lists as "CID TrueType Identity-H yes yes".
  const regular = facts.fonts.find((f) => /^[A-Z]{6}\+DejaVuSans$/.test(f.name));
  assert.equal(regular && { type: regular.type, composite: regular.composite, embedded: regular.embedded, subset: regular.subset }, { type: 'CIDFontType2', composite: true, embedded: true, subset: true }, JSON.stringify(facts.fonts));
  assert.ok(facts.fonts.every((f) => f.embedded && /DejaVu/.test(f.name)), `only embedded DejaVu fonts: ${JSON.stringify(facts.fonts)}`);
  assert.not.ok(facts.fonts.some((f) => /Helvetica/.test(f.name)));
  // The phase is named as the window names it, in every section: the summary, the window, the phase pages.
  const all = pages.join('');
  assert.not.match(all, /Phase: stage1|^stage1$|^clear-down/m);
  assert.ok(all.includes('Phase: Integration Stage 1'));
  assert.match(all, /^Clear-down: \d:\d\d:\d\d/m);
  assert.match(all, /^Integration Stage 1: \d:\d\d:\d\d/m);
});

test('the HTML of the run in Chromium: failures before passes, no table cell that breaks words anywhere; screenshots kept', async () => {
  const html = fs.readFileSync(run.reports.html, 'utf8');
  assert.not.match(html, /overflow-wrap:\s*anywhere/);
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(`file://${run.reports.html}`);
    const seen = await page.evaluate(() => {
      const cells = [...document.querySelectorAll('td, th')].map((c) => getComputedStyle(c).overflowWrap);
      const failures = document.querySelector('#failures')!.getBoundingClientRect().top;
      const firstPass = document.querySelector('details.case.pass, section.case.pass');
      const marked = document.querySelectorAll('tr.decisive').length;
      return { wraps: [...new Set(cells)], failures, firstPass: firstPass ? firstPass.getBoundingClientRect().top : Infinity, marked, open: document.querySelectorAll('section.case.fail').length };
    });
    assert.equal(seen.wraps, ['normal']);
    assert.ok(seen.failures < seen.firstPass, 'the failures come first');
    assert.is(seen.open, 3);
    assert.ok(seen.marked >= 3, `each failure marks its exchange (${seen.marked})`);
    await page.screenshot({ path: artefactPath('report-html.png'), fullPage: false });
  } finally {
    await browser.close();
  }
  const prefix = artefactPath('report-pdf-page1');
  await renderPdfPage(run.reports.pdf, 1, `${prefix}.png`);
  for (const f of [artefactPath('report-html.png'), `${prefix}.png`]) assert.ok(fs.statSync(f).size > 5000, f);
});

test.run();
