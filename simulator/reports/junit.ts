// JUnit XML for CI: one <testsuite> per phase, one <testcase> per test case. CI systems read
// failures and errors from it, so it must stay well-formed whatever the reasons say (markup, control
// characters, broken unicode) and must never throw: a report writer that crashes hides the failure.
import type { RunResults } from './results.js';
import { outcomeLine, toModel, type ReportCase, type ReportExchange, type ReportModel } from './model.js';

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

function caseXml(c: ReportCase): string {
  const attrs = `classname="${xmlAttr(c.phase)}" name="${xmlAttr(`${c.id} ${c.title}`.trim())}" time="${seconds(c.durationMs)}"`;
  const body: string[] = [];
  const detail = [
    ...c.reasons.map((r) => `- ${r}`),
    '',
    `rule: ${c.rule}`,
    `reference: ${c.reference}`,
    ...(c.scenario ? [`scenario: ${c.scenario}`] : []),
    ...(c.startedAt ? [`started: ${c.startedAt}`] : []),
  ].join('\n');
  if (c.verdict !== 'pass') {
    const tag = c.verdict === 'error' ? 'error' : 'failure';
    const message = clip(c.reasons.join(' | ') || (c.verdict === 'error' ? 'the test case could not run' : 'failed'), 1000);
    body.push(`      <${tag} message="${xmlAttr(message)}" type="${xmlAttr(c.verdict === 'error' ? 'cda-sim.error' : 'cda-sim.rule-violated')}">${xmlText(detail)}</${tag}>`);
  }
  // The evidence: what passed (or failed) and the exchanges that show it, for whoever opens the CI log.
  const out = [`${c.verdict.toUpperCase()}: ${c.id} ${c.title}`, ...(c.verdict === 'pass' ? [detail] : []), '', 'exchanges:', ...(c.exchanges.length ? c.exchanges.map(exchangeLine) : ['(none)'])].join('\n');
  body.push(`      <system-out>${xmlText(out)}</system-out>`);
  return `    <testcase ${attrs}>\n${body.join('\n')}\n    </testcase>`;
}

function properties(m: ReportModel): string {
  const props: [string, string][] = [
    ['cda-sim.run', m.run.id],
    ['cda-sim.version', m.run.cdaSimVersion],
    ['cda-sim.profile', m.run.profile],
    ['cda-sim.provider', m.run.provider],
    ['cda-sim.config-digest', m.run.configDigest],
    ['cda-sim.started', m.run.startedAt],
    ['cda-sim.finished', m.run.finishedAt],
    ['cda-sim.scenarios', m.run.scenarios.join(',')],
    ...(m.run.window
      ? [['cda-sim.window.budget-ms', String(m.run.window.budgetMs ?? '')], ['cda-sim.window.elapsed-ms', String(m.run.window.elapsedMs ?? '')], ...m.run.window.phases.map((p, i): [string, string] => [`cda-sim.window.phase.${i + 1}`, `${p.name}: ${p.elapsedMs ?? ''} ms`])] as [string, string][]
      : []),
  ];
  return ['    <properties>', ...props.map(([k, v]) => `      <property name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>`), '    </properties>'].join('\n');
}

function toJUnitXmlUnsafe(results: RunResults): string {
  const m = toModel(results);
  const stamp = m.run.startedAt;
  const totalMs = m.phases.reduce((a, p) => a + p.cases.reduce((b, c) => b + (c.durationMs ?? 0), 0), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(`cda-sim ${m.run.id}`.trim())}" tests="${m.summary.total}" failures="${m.summary.failed}" errors="${m.summary.errors}" skipped="0" time="${m.run.durationS !== undefined && m.run.durationS >= 0 ? m.run.durationS.toFixed(3) : seconds(totalMs)}"${stamp ? ` timestamp="${xmlAttr(stamp)}"` : ''}>`,
  ];
  // A run with no test case proves nothing; CI must see that as a failure, not as an empty green run.
  const phases = m.phases.length
    ? m.phases
    : [{ name: 'cda-sim', cases: [], summary: { total: 1, passed: 0, failed: 0, errors: 1 }, providerTimes: [] }];
  phases.forEach((p, i) => {
    const ms = p.cases.reduce((a, c) => a + (c.durationMs ?? 0), 0);
    const first = p.cases.find((c) => c.startedAt)?.startedAt ?? stamp;
    lines.push(
      `  <testsuite name="${xmlAttr(p.name)}" id="${i}" tests="${p.summary.total}" failures="${p.summary.failed}" errors="${p.summary.errors}" skipped="0" time="${seconds(ms)}"${first ? ` timestamp="${xmlAttr(first)}"` : ''}>`,
      properties(m),
    );
    for (const c of p.cases) lines.push(caseXml(c));
    if (p.cases.length === 0) {
      lines.push(`    <testcase classname="cda-sim" name="run" time="0">\n      <error message="${xmlAttr(outcomeLine(m.summary))}" type="cda-sim.empty-run"/>\n    </testcase>`);
    }
    lines.push('  </testsuite>');
  });
  if (m.phases.length === 0) lines[1] = lines[1].replace(/ tests="0" failures="0" errors="0"/, ' tests="1" failures="0" errors="1"');
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
