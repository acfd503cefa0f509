// The evidence reports (JUnit XML, HTML, PDF) drawn from run results: several phases, passes,
// failures and an error, with text that breaks naive writers (markup characters, unicode, control
// characters, very long reasons). Then a real rehearsal, written out and read back from the PDF.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import type { TestCaseResult } from '../simulator/scenarios/types.js';
import { toJUnitXml } from '../simulator/reports/junit.js';
import { toHtml } from '../simulator/reports/html.js';
import { writePdf } from '../simulator/reports/pdf.js';
import { writeReports } from '../simulator/reports/write-all.js';
import { toModel } from '../simulator/reports/model.js';
import { rehearse } from './helpers/rehearse.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { pdfText } from './helpers/pdf.js';

// ---------------------------------------------------------------------------------------------
// A small strict XML parser: enough to prove the JUnit file is well-formed (one root, matched
// tags, quoted and unique attributes, only defined entities, no stray `<` or `&`, only characters
// XML 1.0 allows) and to walk its structure.

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

function parseXml(src: string): El {
  for (const ch of src) {
    const c = ch.codePointAt(0)!;
    const ok = c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000;
    if (!ok) throw new Error(`character U+${c.toString(16)} is not allowed in XML`);
  }
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${msg} at offset ${i}: ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  const ws = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const decode = (s: string): string => {
    if (s.includes('<')) fail('raw < in text or attribute');
    return s.replace(/&([^;]*);?/g, (m, ent: string) => {
      if (!m.endsWith(';')) fail(`bare & (${m})`);
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (ent in named) return named[ent];
      const n = /^#x([0-9a-fA-F]+)$/.exec(ent) ? parseInt(ent.slice(2), 16) : /^#([0-9]+)$/.exec(ent) ? parseInt(ent.slice(1), 10) : NaN;
      if (Number.isNaN(n)) fail(`undefined entity &${ent};`);
      return String.fromCodePoint(n);
    });
  };
  const name = (): string => {
    const m = /^[A-Za-z_:][A-Za-z0-9_:.-]*/.exec(src.slice(i, i + 200));
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  const element = (): El => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const el: El = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      ws();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('attributes must be separated by white space');
      const a = name();
      ws();
      if (src[i] !== '=') fail('expected =');
      i++;
      ws();
      const q = src[i];
      if (q !== '"' && q !== "'") fail('attribute value must be quoted');
      const end = src.indexOf(q, i + 1);
      if (end < 0) fail('unterminated attribute');
      if (a in el.attrs) fail(`duplicate attribute ${a}`);
      el.attrs[a] = decode(src.slice(i + 1, end));
      i = end + 1;
    }
    for (;;) {
      if (i >= src.length) fail(`unclosed <${el.name}>`);
      if (src.startsWith('</', i)) {
        i += 2;
        const n = name();
        if (n !== el.name) fail(`</${n}> closes <${el.name}>`);
        ws();
        if (src[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      if (src.startsWith('<!', i) || src.startsWith('<?', i)) fail('unexpected markup declaration');
      if (src[i] === '<') {
        el.children.push(element());
        continue;
      }
      const next = src.indexOf('<', i);
      const raw = src.slice(i, next < 0 ? src.length : next);
      if (raw.includes(']]>')) fail(']]> in text');
      el.text += decode(raw);
      i += raw.length;
    }
  };
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  ws();
  const root = element();
  ws();
  if (i !== src.length) fail('content after the root element');
  return root;
}

const all = (el: El, name: string): El[] => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];

// ---------------------------------------------------------------------------------------------

const LONG = `${'the provider answered with a body nobody expected; '.repeat(60)}${'x'.repeat(3000)} END-OF-LONG-REASON`;
const AWKWARD = `<b>"bold" & 'quoted'</b> ]]> Ünïcødé 名前 🚀 → café — naïve`;

function tc(id: string, phase: string, verdict: TestCaseResult['verdict'], reasons: string[], extra: Partial<TestCaseResult> = {}): TestCaseResult {
  return {
    id,
    title: `${id} title ${AWKWARD}`,
    rule: `rule for ${id}: must & shall <always>`,
    reference: 'pdp-protocol.md §3.1',
    scenario: phase,
    phase,
    verdict,
    reasons,
    exchanges: [
      { time: '2026-01-01T10:00:00.000Z', direction: 'out', role: 'pfs', method: 'POST', path: '/find', status: 202, durationMs: 41.5, requestId: `${id}-find` },
      { time: '2026-01-01T10:00:00.100Z', direction: 'in', role: 'ca', method: 'POST', path: '/token', status: 200, durationMs: 3, requestId: `${id}-token` },
      // cda-sim's own /token is not the provider's response time.
      { time: '2026-01-01T10:00:00.200Z', direction: 'out', role: 'dashboard', method: 'POST', path: '/token', status: 200, durationMs: 4321.5, requestId: `${id}-rpt` },
      { time: '2026-01-01T10:00:00.300Z', direction: 'out', role: 'dashboard', method: 'GET', path: `/view-data/${id}?a=1&b=<2>`, status: 200, durationMs: 12.25, requestId: `${id}-view` },
    ],
    startedAt: '2026-01-01T10:00:00.000Z',
    durationMs: 1234,
    ...extra,
  };
}

function sample(): RunResults {
  const testCases = [
    tc('CP-01', 'connection-proving', 'pass', ['acknowledged with 202 in 41 ms']),
    tc('CP-02', 'connection-proving', 'fail', [`answered 200 ${AWKWARD}; the rule needs 202`, 'second reason with \u0001 control and lone \ud800 surrogate']),
    tc('S1-01', 'stage-1', 'pass', ['registered as expected']),
    tc('S1-02', 'stage-1', 'fail', [LONG]),
    tc('S1-03', 'stage-1', 'error', ['the provider could not be reached: connect ECONNREFUSED <127.0.0.1:443>'], { exchanges: [] }),
    tc('S2-01', 'stage-2', 'pass', ['view data valid'], { title: 'plain title' }),
    tc('RP-01', 'reporting', 'fail', ['submission rejected: "totals" & <counts> differ']),
  ];
  return {
    run: {
      id: '20260101T100000-abcdef12',
      cdaSimVersion: '0.1.0',
      profile: 'pdp-v2.0-reconstructed',
      provider: `Acme <Pensions> & "Sons" ${AWKWARD}`,
      configDigest: '0123456789abcdef',
      startedAt: '2026-01-01T10:00:00.000Z',
      finishedAt: '2026-01-01T10:05:00.000Z',
      scenarios: ['connection-proving', 'stage-1', 'stage-2', 'reporting'],
    },
    summary: { total: 7, passed: 3, failed: 3, errors: 1, notRun: 0, notApplicable: 0 },
    testCases,
  };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function pdfPages(file: string): number {
  // pdfkit writes page objects uncompressed: count them.
  return (fs.readFileSync(file).toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
}

test('JUnit XML is well-formed: a suite per phase, a case per test case, failures and errors with their reasons', () => {
  const results = sample();
  const xml = toJUnitXml(results);
  const root = parseXml(xml);
  assert.is(root.name, 'testsuites');
  assert.is(root.attrs.tests, '7');
  assert.is(root.attrs.failures, '3');
  assert.is(root.attrs.errors, '1');
  const suites = all(root, 'testsuite');
  assert.equal(
    suites.map((s) => s.attrs.name),
    ['connection-proving', 'stage-1', 'stage-2', 'reporting'],
  );
  const cases = all(root, 'testcase');
  assert.is(cases.length, 7);
  for (const t of results.testCases) {
    const c = cases.find((x) => x.attrs.name.startsWith(`${t.id} `));
    assert.ok(c, `testcase for ${t.id}`);
    assert.is(c!.attrs.classname, t.phase);
    // Awkward characters survive the round trip exactly.
    assert.is(c!.attrs.name, `${t.id} ${t.title}`);
    const failure = all(c!, 'failure')[0];
    const error = all(c!, 'error')[0];
    if (t.verdict === 'pass') assert.ok(!failure && !error, `${t.id} passes`);
    if (t.verdict === 'fail') {
      assert.ok(failure && !error, `${t.id} has a <failure>`);
      assert.ok(failure.text.includes(t.reasons[0].slice(0, 40).replace(/[\u0000-\u0008\ud800]/g, '\ufffd')), `${t.id} failure text carries the reason`);
    }
    if (t.verdict === 'error') assert.ok(error && !failure, `${t.id} has an <error>`);
  }
  const cp02 = cases.find((x) => x.attrs.name.startsWith('CP-02 '))!;
  assert.match(all(cp02, 'failure')[0].attrs.message, /answered 200 <b>"bold" & 'quoted'<\/b> \]\]> Ünïcødé 名前 🚀/);
  // The very long reason is in full in the text; the message attribute is kept short.
  const s102 = all(cases.find((x) => x.attrs.name.startsWith('S1-02 '))!, 'failure')[0];
  assert.ok(s102.text.includes('END-OF-LONG-REASON'));
  assert.ok(s102.attrs.message.length <= 1000);
  const props = Object.fromEntries(all(suites[0], 'property').map((p) => [p.attrs.name, p.attrs.value]));
  assert.is(props['cda-sim.version'], '0.1.0');
  assert.is(props['cda-sim.profile'], 'pdp-v2.0-reconstructed');
  assert.is(props['cda-sim.config-digest'], '0123456789abcdef');
  assert.is(props['cda-sim.provider'], results.run.provider);
});

test('JUnit as CI tools read it: expected failures skipped with the reason, a listed pass a failure, not-run skipped when paused and an error when the environment stopped the run', () => {
  const base = sample();
  const listed: RunResults = { ...base, run: { ...base.run, expectedFailures: { file: 'known.txt', ids: ['CP-02', 'S1-03', 'CP-01'] } } };
  const root = parseXml(toJUnitXml(listed));
  const byId = (r: El, id: string) => all(r, 'testcase').find((c) => c.attrs.name.startsWith(`${id} `))!;
  assert.match(all(byId(root, 'CP-02'), 'skipped')[0].attrs.message, /^expected failure: answered 200/);
  assert.match(all(byId(root, 'S1-03'), 'skipped')[0].attrs.message, /^expected failure: the provider could not be reached/);
  assert.is(all(byId(root, 'CP-01'), 'failure')[0].attrs.message, 'listed as an expected failure in known.txt, but it passed: take it off the list');
  assert.equal([root.attrs.failures, root.attrs.errors, root.attrs.skipped], ['3', '0', '2']);

  const unplayed = (status: 'paused' | 'aborted'): RunResults => {
    const cases = [tc('S1-01', 'stage-1', 'pass', ['ok']), tc('S2-01', 'stage-2', 'not-run', ['not played: paused'])];
    return { ...base, run: { ...base.run, status }, testCases: cases, summary: { total: 2, passed: 1, failed: 0, errors: 0, notRun: 1, notApplicable: 0 } };
  };
  const paused = parseXml(toJUnitXml(unplayed('paused')));
  assert.is(all(byId(paused, 'S2-01'), 'skipped')[0].attrs.message, 'not run: not played: paused');
  assert.equal([paused.attrs.failures, paused.attrs.errors, paused.attrs.skipped], ['0', '0', '1']);
  const stopped = parseXml(toJUnitXml(unplayed('aborted')));
  assert.is(all(byId(stopped, 'S2-01'), 'error')[0].attrs.message, 'not run: not played: paused');
  assert.equal([stopped.attrs.failures, stopped.attrs.errors, stopped.attrs.skipped], ['0', '1', '0']);
  // The people's reports lead with the run's verdict, never PASSED for a run that did not play everything.
  assert.match(toHtml(unplayed('paused')), /<div class="outcome open">PAUSED: 1 passed, 0 failed \(2 test cases, 1 not run\)/);
  assert.match(toHtml(unplayed('aborted')), /<div class="outcome open">INCOMPLETE: 1 passed/);
  assert.match(toHtml(listed), /<div class="outcome bad">FAILED: /);
});

test('the JUnit writer never throws on odd input, and an empty run is an error CI sees', () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const odd: unknown[] = [
    {},
    { run: null, testCases: null },
    { run: { scenarios: 'not-a-list' }, testCases: [null, 5, 'x', { verdict: 'skipped', reasons: 'not-a-list', exchanges: [null, { status: 'abc' }] }] },
    { testCases: [{ id: circular, title: { a: 1 }, phase: '', verdict: 'fail', reasons: [circular, undefined, 7], durationMs: -5 }] },
  ];
  for (const o of odd) {
    const xml = toJUnitXml(o as RunResults);
    const root = parseXml(xml);
    assert.is(root.name, 'testsuites');
    // Nothing here passed, so CI must not go green.
    assert.ok(Number(root.attrs.failures) + Number(root.attrs.errors) >= 1, xml);
    // The HTML and model are as forgiving.
    assert.ok(toHtml(o as RunResults).startsWith('<!DOCTYPE html>'));
  }
  const empty = parseXml(toJUnitXml({} as RunResults));
  assert.is(all(empty, 'error').length, 1);
  // An unknown verdict is reported as an error, with a reason saying why.
  const unknown = parseXml(toJUnitXml(odd[2] as RunResults));
  assert.ok(all(unknown, 'error').some((e) => /skipped/.test(e.attrs.message)));
});

test('the HTML report is one self-contained page with every test case, its verdict, reasons and exchanges', () => {
  const results = sample();
  const html = toHtml(results);
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  for (const t of results.testCases) {
    assert.ok(html.includes(`${t.id} <span class="v v-${t.verdict}">${t.verdict.toUpperCase()}</span>`), `${t.id} with its verdict`);
    if (t.exchanges.length) assert.ok(html.includes(`${t.id}-view`), `${t.id}'s exchanges`);
    else assert.ok(html.includes('No exchanges are cited'), `${t.id} says it has no exchanges`);
  }
  for (const meta of ['0.1.0', 'pdp-v2.0-reconstructed', '0123456789abcdef', '2026-01-01T10:00:00.000Z', '2026-01-01T10:05:00.000Z', 'stage-1']) assert.ok(html.includes(meta), meta);
  // Nothing fetched from elsewhere, nothing that needs a script.
  assert.not.match(html, /\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
  assert.not.match(html, /<script|<link|<iframe|@import|url\(/i);
  assert.ok(html.includes('<svg'));
  // Everything from the results is escaped.
  assert.not.ok(html.includes('<b>"bold"'));
  assert.ok(html.includes('&lt;b&gt;&quot;bold&quot; &amp; &#39;quoted&#39;&lt;/b&gt;'));
  assert.ok(html.includes('Ünïcødé 名前 🚀'));
  assert.ok(html.includes('END-OF-LONG-REASON'));
  assert.not.ok(html.includes('\u0001'));
  // Every phase has its own section.
  for (const p of ['Connection proving', 'stage-1', 'stage-2', 'Reporting']) assert.ok(html.includes(`<h2>Phase: ${p}</h2>`), p);
});

test("the response-time chart counts only cda-sim's calls to the provider, each once", () => {
  const results = sample();
  // CP-02 cites CP-01's find again: a shared exchange counts once.
  results.testCases[1].exchanges.push({ ...results.testCases[0].exchanges[0] });
  const m = toModel(results);
  const cp = m.phases.find((p) => p.name === 'Connection proving')!;
  assert.equal([...cp.providerTimes].sort((a, b) => a - b), [12.25, 12.25, 41.5, 41.5]);
  assert.not.ok(m.phases.some((p) => p.providerTimes.includes(4321.5)), "cda-sim's own /token is left out");
  assert.is(m.phases.find((p) => p.name === 'stage-1')!.providerTimes.length, 4);
  const html = toHtml(results);
  assert.match(html, /median [0-9.,]+/);
  assert.match(html, /max 41\.5/);
});

test('the PDF report lists every test case with its verdict as extractable text', async () => {
  const results = sample();
  const file = path.join(tempDir(), 'sub', 'report.pdf');
  await writePdf(results, file);
  const bytes = fs.readFileSync(file);
  assert.is(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.not.ok(fs.existsSync(`${file}.tmp`));
  const text = await pdfText(file);
  for (const t of results.testCases) assert.match(text, new RegExp(`${escapeRe(t.id)}\\s+${t.verdict.toUpperCase()}\\b`), `${t.id} ${t.verdict}`);
  for (const s of ['0.1.0', 'pdp-v2.0-reconstructed', '0123456789abcdef', 'stage-2', 'Ünïcødé', 'café', 'END-OF-LONG-REASON', 'connect ECONNREFUSED <127.0.0.1:443>', 'S1-01-view'])
    assert.ok(text.includes(s), s);
  // The embedded font draws what it has; a character it lacks is named, not dropped or garbled.
  assert.ok(text.includes('→'));
  assert.ok(text.includes('<U+540D>'), 'a CJK character is named');
  // Long content flows over pages, each numbered.
  assert.match(text, /page 1 of (\d+)/);
  const pages = Number(/page 1 of (\d+)/.exec(text)![1]);
  assert.ok(pages >= 3, `pages: ${pages}`);
});

test('writeReports writes results.json, junit.xml, report.html and report.pdf side by side', async () => {
  const dir = path.join(tempDir(), 'run');
  const results = sample();
  const files = await writeReports(dir, results);
  assert.equal(Object.keys(files).sort(), ['html', 'json', 'junit', 'pdf']);
  for (const f of Object.values(files)) {
    assert.is(path.dirname(f), dir);
    assert.ok(fs.statSync(f).size > 0, f);
  }
  assert.equal(path.basename(files.json), 'results.json');
  assert.equal(JSON.parse(fs.readFileSync(files.json, 'utf8')), JSON.parse(JSON.stringify(results)));
  parseXml(fs.readFileSync(files.junit, 'utf8'));
  assert.ok(fs.readFileSync(files.html, 'utf8').includes('<svg'));
  assert.is(fs.readFileSync(files.pdf).subarray(0, 4).toString('latin1'), '%PDF');
  assert.equal(fs.readdirSync(dir).sort(), ['junit.xml', 'report.html', 'report.pdf', 'results.json']);
});

test('a real connection-proving rehearsal gives a PDF listing CP-01 to CP-09 as PASS', async () => {
  const { dir } = await sharedMaterial();
  const { results } = await rehearse({ stateDir: tempDir(), certsDir: dir, reportsDir: tempDir(), progress: () => {} });
  const out = tempDir();
  const files = await writeReports(out, results);
  const text = await pdfText(files.pdf);
  for (let n = 1; n <= 9; n++) assert.match(text, new RegExp(`CP-0${n}\\s+PASS\\b`), `CP-0${n}`);
  // Other phases (reporting, later stages) may run too; the PDF's outcome line agrees with the results.
  const bad = results.summary.failed + results.summary.errors;
  assert.ok(text.includes(`${results.summary.passed} passed, ${bad} failed (${results.summary.total} test cases`), text.slice(0, 400));
  const junit = parseXml(fs.readFileSync(files.junit, 'utf8'));
  assert.is(all(junit, 'testcase').length, results.testCases.length);
  assert.is(all(junit, 'failure').length + all(junit, 'error').length, bad);
  const html = fs.readFileSync(files.html, 'utf8');
  for (let n = 1; n <= 9; n++) assert.ok(html.includes(`CP-0${n} <span class="v v-pass">PASS</span>`));
  // The chart has the provider's find and view times.
  assert.ok(toModel(results).phases.find((p) => p.name === 'Connection proving')!.providerTimes.length >= 3);
  assert.ok(pdfPages(files.pdf) >= 2);
});

test.run();
