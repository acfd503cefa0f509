// JUnit XML for CI: one <testsuite> per phase, one <testcase> per test case. CI systems read
// failures and errors from it, so it must stay well-formed whatever the reasons say (markup, control
// characters, broken unicode) and must never throw: a report writer that crashes hides the failure.
import type { RunResults } from '../scenarios/run-results.js';
import { outcomeLine, toModel, verdictWord, type ReportCase, type ReportExchange, type ReportModel } from './model.js';

/** Drop what XML 1.0 cannot carry at all (most control characters, lone surrogates, U+FFFE/FFFF). */
export function xmlSafe(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const ok = c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000;
    out += ok ? ch : '\uFFFD';
  }
  return out;
}

export function xmlText(s: string): string {
  // `]]>` needs no special care: `>` is always escaped.
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values: quotes escaped, and line breaks and tabs kept (a parser would fold them to spaces). */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function seconds(ms: number | undefined): string {
  return ms === undefined || ms < 0 ? '0' : (ms / 1000).toFixed(3);
}

/** A message attribute stays short; the full reasons go in the element's text. */
function clip(s: string, n: number): string {
  const chars = [...s];
  return chars.length <= n ? s : `${chars.slice(0, n - 1).join('')}…`;
}

function exchangeLine(e: ReportExchange): string {
  const ms = e.durationMs === undefined ? '' : ` ${e.durationMs} ms`;
  return `${e.time} ${e.direction} ${e.role} ${e.method} ${e.path} → ${e.status || 'no answer'}${ms}${e.requestId ? ` X-Request-ID ${e.requestId}` : ''}`;
}

/** How CI tools count a case: a JUnit outcome, its element and the message it carries. */
type JUnitKind = 'passed' | 'failure' | 'error' | 'skipped';

function junitOutcome(c: ReportCase, run: ReportModel['run']): { kind: JUnitKind; message: string; type: string } {
  const why = c.reasons.join(' | ');
  // A failure's message is the reason that decided it, with the exchange that broke the rule.
  const decided = c.decision.line || why;
  if (c.expected === 'now-passing') return { kind: 'failure', message: `listed as an expected failure${run.expectedFailures?.file ? ` in ${run.expectedFailures.file}` : ''}, but it passed: take it off the list`, type: 'cda-sim.expected-failure-passed' };
  if (c.expected === 'failure') return { kind: 'skipped', message: `expected failure: ${decided || c.verdict}`, type: '' };
  switch (c.verdict) {
    case 'pass':
      return { kind: 'passed', message: '', type: '' };
    case 'fail':
      return { kind: 'failure', message: decided || 'failed', type: 'cda-sim.rule-violated' };
    case 'error':
      return { kind: 'error', message: decided || 'the test case could not run', type: 'cda-sim.error' };
    case 'not-applicable':
      return { kind: 'skipped', message: `not applicable: ${why}`, type: '' };
    case 'not-run':
      // Left unplayed because the environment failed: an error CI must show; paused: skipped, with why.
      return run.status === 'aborted' ? { kind: 'error', message: `not run: ${why}`, type: 'cda-sim.not-run' } : { kind: 'skipped', message: `not run: ${why}`, type: '' };
  }
}

function caseXml(c: ReportCase, run: ReportModel['run']): string {
  const attrs = `classname="${xmlAttr(c.phaseId)}" name="${xmlAttr(`${c.id} ${c.title}`.trim())}" time="${seconds(c.durationMs)}"`;
  const body: string[] = [];
  const failed = c.verdict === 'fail' || c.verdict === 'error';
  const d = c.decision;
  const detail = [
    ...(failed && d.reason ? [`decided by: ${d.reason}`, ...(d.exchange ? [`the exchange that broke the rule: ${exchangeLine(d.exchange)}`] : []), ''] : []),
    ...c.reasons.map((r) => `- ${r}`),
    '',
    `rule: ${c.rule}`,
    `reference: ${c.reference}`,
    ...(c.scenario ? [`scenario: ${c.scenario}`] : []),
    ...(c.startedAt ? [`started: ${c.startedAt}`] : []),
  ].join('\n');
  const o = junitOutcome(c, run);
  const message = xmlAttr(clip(o.message, 1000));
  if (o.kind === 'skipped') body.push(`      <skipped message="${message}"/>`);
  else if (o.kind !== 'passed') body.push(`      <${o.kind} message="${message}" type="${xmlAttr(o.type)}">${xmlText(detail)}</${o.kind}>`);
  // The evidence: what passed (or failed) and the exchanges that show it, for whoever opens the CI log.
  const out = [`${verdictWord(c)}: ${c.id} ${c.title}`, ...(o.kind === 'passed' || o.kind === 'skipped' ? [detail] : []), '', 'exchanges:', ...(c.exchanges.length ? c.exchanges.map(exchangeLine) : ['(none)'])].join('\n');
  body.push(`      <system-out>${xmlText(out)}</system-out>`);
  return `    <testcase ${attrs}>\n${body.join('\n')}\n    </testcase>`;
}

/** tests, failures, errors and skipped as a suite's attributes, counted as CI tools count them. */
function countsAttrs(cases: ReportCase[], run: ReportModel['run']): string {
  const kinds = cases.map((c) => junitOutcome(c, run).kind);
  const n = (k: JUnitKind) => kinds.filter((x) => x === k).length;
  return `tests="${cases.length}" failures="${n('failure')}" errors="${n('error')}" skipped="${n('skipped')}"`;
}

function properties(m: ReportModel): string {
  const props: [string, string][] = [
    ['cda-sim.run', m.run.id],
    ['cda-sim.version', m.run.cdaSimVersion],
    ['cda-sim.profile', m.run.profile],
    ...m.run.specFiles.map((f, i): [string, string] => [`cda-sim.spec-file.${i + 1}`, f]),
    ['cda-sim.provider', m.run.provider],
    ['cda-sim.config-digest', m.run.configDigest],
    ['cda-sim.started', m.run.startedAt],
    ['cda-sim.finished', m.run.finishedAt],
    ['cda-sim.scenarios', m.run.scenarios.join(',')],
    ...(m.run.window
      ? [['cda-sim.window.budget-ms', String(m.run.window.budgetMs ?? '')], ['cda-sim.window.elapsed-ms', String(m.run.window.elapsedMs ?? '')], ...m.run.window.phases.map((p, i): [string, string] => [`cda-sim.window.phase.${i + 1}`, `${p.name}: ${p.elapsedMs ?? ''} ms`])] as [string, string][]
      : []),
    // A non-strict run: how many own-rule violations were accepted as warnings (results.json lists them).
    ...(m.run.strict === false ? ([['cda-sim.strict', 'false'], ['cda-sim.own-rule-warnings', String(m.run.ownRuleWarnings?.length ?? 0)]] as [string, string][]) : []),
  ];
  return ['    <properties>', ...props.map(([k, v]) => `      <property name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>`), '    </properties>'].join('\n');
}

function toJUnitXmlUnsafe(results: RunResults): string {
  const m = toModel(results);
  const stamp = m.run.startedAt;
  const totalMs = m.phases.reduce((a, p) => a + p.cases.reduce((b, c) => b + (c.durationMs ?? 0), 0), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(`cda-sim ${m.run.id}`.trim())}" ${countsAttrs(m.phases.flatMap((p) => p.cases), m.run)} time="${m.run.durationS !== undefined && m.run.durationS >= 0 ? m.run.durationS.toFixed(3) : seconds(totalMs)}"${stamp ? ` timestamp="${xmlAttr(stamp)}"` : ''}>`,
  ];
  // A run with no test case proves nothing; CI must see that as a failure, not as an empty green run.
  const phases = m.phases.length
    ? m.phases
    : [{ name: 'cda-sim', id: 'cda-sim', cases: [] as ReportCase[] }];
  phases.forEach((p, i) => {
    const ms = p.cases.reduce((a, c) => a + (c.durationMs ?? 0), 0);
    const first = p.cases.find((c) => c.startedAt)?.startedAt ?? stamp;
    lines.push(
      `  <testsuite name="${xmlAttr(p.id)}" id="${i}" ${countsAttrs(p.cases, m.run)} time="${seconds(ms)}"${first ? ` timestamp="${xmlAttr(first)}"` : ''}>`,
      properties(m),
    );
    for (const c of p.cases) lines.push(caseXml(c, m.run));
    if (p.cases.length === 0) {
      lines.push(`    <testcase classname="cda-sim" name="run" time="0">\n      <error message="${xmlAttr(outcomeLine(m.summary))}" type="cda-sim.empty-run"/>\n    </testcase>`);
    }
    lines.push('  </testsuite>');
  });
  // The empty run's one error case, counted where it stands and in the whole.
  if (m.phases.length === 0) for (const i of [1, 2]) lines[i] = lines[i].replace(/ tests="0" failures="0" errors="0"/, ' tests="1" failures="0" errors="1"');
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

export function toJUnitXml(results: RunResults): string {
  try {
    return toJUnitXmlUnsafe(results);
  } catch (err) {
    // Last resort: still a valid JUnit file, and still a failure CI will see.
    const msg = err instanceof Error ? err.message : String(err);
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<testsuites name="cda-sim" tests="1" failures="0" errors="1">',
      '  <testsuite name="cda-sim" tests="1" failures="0" errors="1">',
      `    <testcase classname="cda-sim" name="report"><error message="${xmlAttr(`the JUnit report could not be written from these results: ${msg}`)}"/></testcase>`,
      '  </testsuite>',
      '</testsuites>',
      '',
    ].join('\n');
  }
}
