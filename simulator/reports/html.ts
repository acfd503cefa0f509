// The evidence report as one self-contained HTML page: inline CSS and an inline SVG chart, no
// scripts, fonts or images fetched from anywhere, so it can be mailed, archived and opened offline.
// Everything from the results is escaped: reasons quote what the provider sent.
import type { RunResults } from '../scenarios/run-results.js';
import { fmtHms, fmtMs, headline, median, reasonsHeading, SLOW_VIEW_MS, strictnessLabel, toModel, verdictWord, windowLine, type ReportCase, type ReportModel, type ReportPhase } from './model.js';
import { exchangeLabel } from '../scenarios/decision.js';
import { xmlSafe } from './junit.js';
import { soakSectionHtml } from './soak-html.js';

export function esc(s: string): string {
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1b1f24;margin:0;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:2px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}
.outcome{padding:10px 14px;border-radius:6px;font-weight:600;margin:12px 0}
.ok{background:#dafbe1;border:1px solid #4ac26b}.bad{background:#ffebe9;border:1px solid #ff8182}.open{background:#fff8c5;border:1px solid #d4a72c}
.outcome p{margin:4px 0 0;font-weight:400}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 12px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}
td,th{overflow-wrap:normal;word-break:normal;hyphens:manual}
.nw{white-space:nowrap}.scroll{overflow-x:auto;max-width:100%}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;background:#fff;padding:10px 14px;border:1px solid #d0d7de;border-radius:6px}
dl.meta dt{font-weight:600}dl.meta dd{margin:0;overflow-wrap:break-word}
.v{display:inline-block;min-width:3.5em;text-align:center;font-weight:700;border-radius:4px;padding:0 6px}
.v-pass{background:#1a7f37;color:#fff}.v-fail{background:#cf222e;color:#fff}.v-error{background:#9a6700;color:#fff}.v-not-run,.v-not-applicable{background:#57606a;color:#fff}
.case{background:#fff;border:1px solid #d0d7de;border-left-width:6px;border-radius:6px;padding:10px 14px;margin:10px 0;break-inside:avoid}
.case.pass{border-left-color:#1a7f37}.case.fail{border-left-color:#cf222e}.case.error{border-left-color:#9a6700}.case.not-run,.case.not-applicable{border-left-color:#57606a}
.case p{margin:4px 0}.case ul{margin:4px 0 8px 20px;padding:0}.case li{overflow-wrap:break-word;white-space:pre-wrap}
details.case>summary{cursor:pointer;list-style-position:outside}details.case>summary h3{display:inline}
.decided{background:#fff8f8;border:1px solid #ff8182;border-radius:4px;padding:6px 10px}
tr.decisive td{background:#ffebe9;font-weight:600}.marker{color:#cf222e;font-weight:700}
table.ex{font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.num{text-align:right;white-space:nowrap}td.id{white-space:nowrap;overflow-wrap:normal}.muted{color:#57606a}
svg{background:#fff;border:1px solid #d0d7de;border-radius:6px;max-width:100%;height:auto}
@media print{body{background:#fff}main{padding:0}.case{break-inside:avoid}}
`;

/**
 * Table text that wraps only at spaces and after slashes, never inside a word: every piece with
 * punctuation in it (request ids, match-yes, view-data) is kept whole, and a slash may end a line.
 */
export function wrapSafe(s: string): string {
  return s
    .split(/(\s+)/)
    .map((token) =>
      /^\s*$/.test(token)
        ? esc(token)
        : token
            .split('/')
            .map((piece) => (/[^\p{L}\p{N}]/u.test(piece) ? `<span class="nw">${esc(piece)}</span>` : esc(piece)))
            .join('/<wbr>'),
    )
    .join('');
}

function verdictBadge(c: ReportCase): string {
  return `<span class="v v-${c.verdict}">${esc(verdictWord(c))}</span>`;
}

/** A fragment id for each test case; test ids are free text, so they are reduced and numbered. */
function anchor(c: ReportCase, i: number): string {
  return `tc-${i}-${c.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}`;
}

function metadata(m: ReportModel): string {
  const rows: [string, string][] = [
    ['Run', m.run.id],
    ['cda-sim version', m.run.cdaSimVersion],
    ['Spec profile', m.run.profile],
    ...m.run.specFiles.map((f): [string, string] => ['Spec file', f]),
    ...m.run.specNotHonoured.map((n): [string, string] => ['Not honoured', n]),
    ['Provider', m.run.provider],
    ['Config digest', m.run.configDigest],
    ['Started', m.run.startedAt],
    ['Finished', m.run.finishedAt + (m.run.durationS !== undefined ? ` (${m.run.durationS.toFixed(1)} s)` : '')],
    ['Scenarios', m.run.scenarios.join(', ')],
    ['Strictness', strictnessLabel(m.run)],
  ];
  return `<dl class="meta">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v) || '<span class="muted">not recorded</span>'}</dd>`).join('')}</dl>`;
}

/** The integration window: each phase's elapsed time, in the order run, against the budget. */
function windowTable(m: ReportModel): string {
  const w = m.run.window;
  if (!w) return '';
  const rows = w.phases
    .map((p) => (p.skipped !== undefined ? `<tr><td>${esc(p.name)}</td><td colspan="3"><strong>NOT RUN</strong> (skipped: ${esc(p.skipped)})</td></tr>` : `<tr><td>${esc(p.name)}</td><td>${esc(p.startedAt)}</td><td class="num">${esc(fmtHms(p.elapsedMs))}</td><td class="num">${esc(fmtMs(p.elapsedMs))}</td></tr>`))
    .join('');
  return `<h2>Integration window</h2>
<p class="${w.overBudget ? 'outcome bad' : ''}">${esc(windowLine(w))}${m.run.status === 'paused' ? ' (paused after Stage 1: the update file waits to be applied)' : ''}</p>
<table><thead><tr><th>Phase</th><th>Started</th><th class="num">Elapsed</th><th class="num">ms</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function summaryTable(m: ReportModel): string {
  const row = (name: string, s: ReportPhase['summary'], strong = false) => {
    const td = (v: string | number, cls = 'num') => `<td class="${cls}">${strong ? `<strong>${v}</strong>` : v}</td>`;
    return `<tr>${td(esc(name), '')}${td(s.total)}${td(s.passed)}${td(s.failed)}${td(s.errors)}${td(s.notRun)}</tr>`;
  };
  return `<table><thead><tr><th>Phase</th><th class="num">Test cases</th><th class="num">Passed</th><th class="num">Failed</th><th class="num">Could not run</th><th class="num">Not run</th></tr></thead><tbody>${m.phases
    .map((p) => row(p.name, p.summary))
    .join('')}${row('All phases', m.summary, true)}</tbody></table>`;
}

/** Round an axis maximum up to 1, 2 or 5 times a power of ten. */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 2, 5, 10]) if (v <= k * p) return k * p;
  return 10 * p;
}

/**
 * The provider's response times per phase: one row per phase, a dot per call to the provider's find
 * or view endpoint, the median marked with a bar and the max labelled. Hover titles carry the value.
 */
export function responseTimeSvg(m: ReportModel): string {
  const phases = m.phases;
  const all = phases.flatMap((p) => p.providerTimes);
  const W = 860;
  const left = 190;
  const right = 30;
  const rowH = 54;
  const top = 30;
  const H = top + Math.max(1, phases.length) * rowH + 34;
  const max = niceMax(Math.max(0, ...all));
  const x = (ms: number) => left + (Math.min(Math.max(ms, 0), max) / max) * (W - left - right);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Provider response times per phase">`,
    `<title>Provider response times per phase (ms): cda-sim's find and view calls to the provider</title>`,
    `<text x="12" y="20" font-size="13" font-weight="600" fill="#1b1f24">Provider response time (ms) to cda-sim's find and view calls</text>`,
  ];
  // Axis and grid.
  const axisY = top + Math.max(1, phases.length) * rowH;
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const gx = x(v).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${top}" x2="${gx}" y2="${axisY}" stroke="#e3e6ea"/>`);
    parts.push(`<text x="${gx}" y="${axisY + 16}" font-size="11" text-anchor="middle" fill="#57606a">${esc(fmtMs(v))}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${axisY}" x2="${W - right}" y2="${axisY}" stroke="#8c959f"/>`);
  parts.push(`<text x="${W - right}" y="${axisY + 30}" font-size="11" text-anchor="end" fill="#57606a">ms</text>`);
  if (phases.length === 0) parts.push(`<text x="${left}" y="${top + 30}" font-size="12" fill="#57606a">no test case ran</text>`);
  phases.forEach((p, i) => {
    const y0 = top + i * rowH;
    const cy = y0 + rowH / 2;
    parts.push(`<text x="12" y="${cy - 4}" font-size="12" font-weight="600" fill="#1b1f24">${esc(p.name.length > 26 ? `${p.name.slice(0, 25)}…` : p.name)}</text>`);
    const ts = p.providerTimes;
    if (ts.length === 0) {
      parts.push(`<text x="12" y="${cy + 12}" font-size="11" fill="#57606a">no provider calls</text>`);
      return;
    }
    const med = median(ts)!;
    const mx = Math.max(...ts);
    parts.push(`<text x="12" y="${cy + 12}" font-size="11" fill="#57606a">${ts.length} call${ts.length === 1 ? '' : 's'}</text>`);
    ts.forEach((t, j) => {
      // A small fixed vertical spread so equal times stay visible as separate calls.
      const jy = cy + (((j * 7) % 5) - 2) * 3;
      parts.push(`<circle cx="${x(t).toFixed(1)}" cy="${jy}" r="4" fill="#0969da" fill-opacity="0.55"><title>${esc(fmtMs(t))} ms</title></circle>`);
    });
    const mxX = x(med).toFixed(1);
    parts.push(`<line x1="${mxX}" y1="${cy - 14}" x2="${mxX}" y2="${cy + 14}" stroke="#1b1f24" stroke-width="2"/>`);
    parts.push(`<text x="${mxX}" y="${cy - 17}" font-size="11" text-anchor="middle" fill="#1b1f24">median ${esc(fmtMs(med))}</text>`);
    const maxX = x(mx);
    // Red only when the slowest call is REPORTABLE (over 10 s); a harmless maximum stays grey.
    const slow = mx > SLOW_VIEW_MS;
    parts.push(`<text x="${Math.min(maxX, W - right).toFixed(1)}" y="${cy + 26}" font-size="11" text-anchor="${maxX > W - right - 60 ? 'end' : 'middle'}" fill="${slow ? '#cf222e' : '#57606a'}">max ${esc(fmtMs(mx))}${slow ? ' (over 10 s: reportable)' : ''}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function exchangesTable(c: ReportCase): string {
  if (c.exchanges.length === 0) return '<p class="muted">No exchanges are cited for this test case.</p>';
  const rows = c.exchanges
    .map(
      (e) =>
        `<tr${e.decisive ? ' class="decisive"' : ''}><td>${e.decisive ? '<span class="marker">▶ broke the rule</span><br>' : ''}${wrapSafe(e.time)}</td><td>${esc(e.direction)}</td><td>${esc(e.role)}</td><td>${esc(e.method)}</td><td>${wrapSafe(e.path)}</td><td class="num">${esc(e.status || '—')}</td><td class="num">${esc(fmtMs(e.durationMs))}</td><td><span class="nw">${esc(e.requestId)}</span></td></tr>`,
    )
    .join('');
  return `<div class="scroll"><table class="ex"><thead><tr><th>Time</th><th>Dir</th><th>Role</th><th>Method</th><th>Path</th><th class="num">Status</th><th class="num">ms</th><th>Request id</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

const failed = (c: ReportCase) => c.verdict === 'fail' || c.verdict === 'error';

/** What decided a failure: the reason, then the exchange that broke the rule (marked in the table below). */
function decidedBy(c: ReportCase): string {
  if (!failed(c)) return '';
  const e = c.decision.exchange;
  return `<div class="decided"><p><strong>What decided it:</strong> ${esc(c.decision.reason) || '<span class="muted">no reason recorded</span>'}</p>${
    e ? `<p><strong>The exchange that broke the rule:</strong> ${wrapSafe(exchangeLabel(e))} at ${esc(e.time)}</p>` : '<p class="muted">No single exchange broke the rule: something due never happened.</p>'
  }</div>`;
}

function caseBody(c: ReportCase): string {
  return `${decidedBy(c)}
<p><strong>Rule:</strong> ${esc(c.rule) || '<span class="muted">not recorded</span>'}</p>
<p><strong>Reference:</strong> ${esc(c.reference) || '<span class="muted">not recorded</span>'}</p>
<p class="muted">Scenario ${esc(c.scenario) || '—'} · started ${esc(c.startedAt) || '—'} · ${esc(fmtMs(c.durationMs)) || '—'} ms</p>
<p><strong>${reasonsHeading(c)}:</strong></p>
<ul>${c.reasons.length ? c.reasons.map((r) => `<li>${esc(r)}</li>`).join('') : '<li class="muted">no reason recorded</li>'}</ul>
<p><strong>Exchanges</strong> (out: cda-sim called the provider; in: the provider called cda-sim)</p>
${exchangesTable(c)}`;
}

/** A failure is open; a pass (and anything else that did not fail) is folded, one click away. */
function caseSection(c: ReportCase, i: number): string {
  const title = `<h3>${esc(c.id)} ${verdictBadge(c)} ${esc(c.title)}</h3>`;
  if (failed(c)) return `<section class="case ${c.verdict}" id="${anchor(c, i)}">\n${title}\n${caseBody(c)}\n</section>`;
  return `<details class="case ${c.verdict}" id="${anchor(c, i)}"><summary>${title}</summary>\n${caseBody(c)}\n</details>`;
}

/** Every failure of the run, before anything else: id, title, verdict and what decided it. */
function failuresSection(m: ReportModel): string {
  let offset = 0;
  const rows: string[] = [];
  for (const p of m.phases) {
    p.cases.forEach((c, j) => {
      if (failed(c)) rows.push(`<tr><td class="id"><a href="#${anchor(c, offset + j)}">${esc(c.id)}</a></td><td>${wrapSafe(c.title)}</td><td>${verdictBadge(c)}</td><td>${wrapSafe(c.decision.line)}</td></tr>`);
    });
    offset += p.cases.length;
  }
  if (!rows.length) return '<h2 id="failures">Failures</h2>\n<p>None: no test case failed.</p>';
  return `<h2 id="failures">Failures (${rows.length})</h2>
<div class="scroll"><table><thead><tr><th>Test</th><th>Title</th><th>Verdict</th><th>What decided it</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function phaseSection(p: ReportPhase, offset: number): string {
  const rows = p.cases
    .map(
      (c, j) =>
        `<tr><td class="id"><a href="#${anchor(c, offset + j)}">${esc(c.id)}</a></td><td>${wrapSafe(c.title)}</td><td>${verdictBadge(c)}</td><td>${wrapSafe(c.decision.line)}</td></tr>`,
    )
    .join('');
  const s = p.summary;
  return `<h2>Phase: ${esc(p.name)}</h2>
<p>${s.passed} of ${s.total} passed${s.failed ? `, ${s.failed} failed` : ''}${s.errors ? `, ${s.errors} could not run` : ''}${s.notRun ? `, ${s.notRun} not run` : ''}.</p>
<div class="scroll"><table><thead><tr><th>Test</th><th>Title</th><th>Verdict</th><th>What decided it</th></tr></thead><tbody>${rows}</tbody></table></div>
${[...p.cases.entries()]
  .sort(([, a], [, b]) => Number(failed(b)) - Number(failed(a)))
  .map(([j, c]) => caseSection(c, offset + j))
  .join('\n')}`;
}

function toHtmlUnsafe(results: RunResults): string {
  const m = toModel(results);
  const head = headline(m);
  const tone = head.verdict === 'PASSED' ? 'ok' : head.verdict === 'FAILED' ? 'bad' : 'open';
  let offset = 0;
  const phases = m.phases.map((p) => {
    const html = phaseSection(p, offset);
    offset += p.cases.length;
    return html;
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cda-sim ${esc(m.run.cdaSimVersion)}">
<title>cda-sim evidence report ${esc(m.run.id)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>cda-sim evidence report</h1>
<p class="muted">A rehearsal against cda-sim, a local stand-in for the Pensions Dashboards central digital architecture. Not evidence of PDP's own testing.</p>
<div class="outcome ${tone}">${esc(head.line)}${head.notes.map((n) => `<p>${esc(n)}</p>`).join('')}</div>
${failuresSection(m)}
<h2>Run</h2>
${metadata(m)}
<h2>Summary</h2>
${summaryTable(m)}
${windowTable(m)}
${results.soak ? soakSectionHtml(results.soak) : ''}${results.soak && !m.phases.some((p) => p.providerTimes.length) ? '' : `<h2>Provider response times</h2>\n${responseTimeSvg(m)}`}
${phases.join('\n')}
</main>
</body>
</html>
`;
}

export function toHtml(results: RunResults): string {
  try {
    return toHtmlUnsafe(results);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>cda-sim evidence report</title></head><body><h1>cda-sim evidence report</h1><p>The report could not be drawn from these results: ${esc(msg)}</p></body></html>\n`;
  }
}
