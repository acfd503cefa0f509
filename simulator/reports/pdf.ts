// The evidence report as a PDF, for a test manager to file: page 1 leads with the verdict and every
// failure (id, title, what decided it); then the same content as the HTML page (run metadata,
// summary, response times, every test case with its rule, reasons and exchanges, the exchange that
// broke the rule marked). DejaVu Sans (fonts/, shipped with the package, licence beside it) is
// embedded, so names such as Gŵyr and Łódź print as written; the PDF is tagged (structure tree,
// language, title shown) so screen readers can read it.
import fs from 'node:fs';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { packageRoot } from '../core/paths.js';
import { exchangeLabel } from '../scenarios/decision.js';
import type { RunResults } from '../scenarios/run-results.js';
import { STAGES, STAGE_LABELS, type SoakFigures } from '../scenarios/soak-figures.js';
import { latency, percent } from './soak-html.js';
import { fmtHms, fmtMs, headline, median, reasonsHeading, SLOW_VIEW_MS, strictnessLabel, toModel, verdictWord, windowLine, type ReportCase, type ReportModel } from './model.js';

const FONT_FILES = { Body: 'DejaVuSans.ttf', Bold: 'DejaVuSans-Bold.ttf' } as const;
export const fontsDir = path.join(packageRoot, 'fonts');

/** Whether the embedded font has a glyph for a code point (set once the document has its fonts). */
let hasGlyph: (codePoint: number) => boolean = () => true;

/**
 * Text the embedded font can draw: control characters become spaces, and a character the font has
 * no glyph for (CJK, say) is written <U+XXXX>, so nothing silently vanishes or prints as a box.
 */
export function pdfText(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\n') out += '\n';
    else if (c === 0x9) out += ' ';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += ' ';
    else if (hasGlyph(c)) out += ch;
    else out += `<U+${c.toString(16).toUpperCase().padStart(4, '0')}>`;
  }
  return out;
}

const COLOURS = { pass: '#1a7f37', fail: '#cf222e', error: '#9a6700', 'not-run': '#57606a', 'not-applicable': '#57606a', text: '#1b1f24', muted: '#57606a', rule: '#d0d7de', dot: '#0969da', mark: '#ffebe9' };

type Doc = PDFKit.PDFDocument;
type Struct = PDFKit.PDFStructureElement;

/** The structure tree's root ("Document"): every text block becomes one tagged element under it. */
let tagRoot: Struct | undefined;

function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function bottom(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Start a new page unless `h` points of room remain: keeps headings with what follows them. */
function need(doc: Doc, h: number): void {
  if (doc.y + h > bottom(doc)) doc.addPage();
}

/** Tag options for one text call: a paragraph (or heading) of the structure tree. */
function tag(type = 'P'): { structParent?: Struct; structType?: string } {
  return tagRoot ? { structParent: tagRoot, structType: type } : {};
}

/** Lines, dots and bars are decoration, not content: marked as artifacts so readers skip them. */
function artifact(doc: Doc, draw: () => void): void {
  if (!tagRoot) return draw();
  doc.markContent('Artifact');
  draw();
  doc.endMarkedContent();
}

function write(doc: Doc, s: string, opts: { font?: string; size?: number; colour?: string; gap?: number; indent?: number; tag?: string } = {}): void {
  doc.font(opts.font ?? 'Body').fontSize(opts.size ?? 9).fillColor(opts.colour ?? COLOURS.text);
  const indent = opts.indent ?? 0;
  doc.text(pdfText(s), doc.page.margins.left + indent, doc.y, { width: contentWidth(doc) - indent, ...tag(opts.tag) });
  if (opts.gap) doc.moveDown(opts.gap);
}

function heading(doc: Doc, s: string, size = 13, level = 'H2'): void {
  need(doc, size * 4);
  doc.moveDown(0.6);
  write(doc, s, { font: 'Bold', size, tag: level });
  const y = doc.y + 1;
  artifact(doc, () => doc.moveTo(doc.page.margins.left, y).lineTo(doc.page.width - doc.page.margins.right, y).lineWidth(0.6).strokeColor(COLOURS.rule).stroke());
  doc.moveDown(0.4);
}

function labelled(doc: Doc, label: string, value: string, indent = 0): void {
  doc.font('Bold').fontSize(9).fillColor(COLOURS.text);
  const x = doc.page.margins.left + indent;
  doc.text(pdfText(`${label}: `), x, doc.y, { continued: true, width: contentWidth(doc) - indent, ...tag() });
  doc.font('Body').text(pdfText(value || 'not recorded'));
}

function metadata(doc: Doc, m: ReportModel): void {
  heading(doc, 'Run');
  labelled(doc, 'Run', m.run.id);
  labelled(doc, 'cda-sim version', m.run.cdaSimVersion);
  labelled(doc, 'Spec profile', m.run.profile);
  for (const f of m.run.specFiles) labelled(doc, 'Spec file', f, 12);
  for (const n of m.run.specNotHonoured) labelled(doc, 'Not honoured', n, 12);
  labelled(doc, 'Provider', m.run.provider);
  labelled(doc, 'Config digest', m.run.configDigest);
  labelled(doc, 'Started', m.run.startedAt);
  labelled(doc, 'Finished', m.run.finishedAt + (m.run.durationS !== undefined ? ` (${m.run.durationS.toFixed(1)} s)` : ''));
  labelled(doc, 'Scenarios', m.run.scenarios.join(', '));
  labelled(doc, 'Strictness', strictnessLabel(m.run));
}

function summary(doc: Doc, m: ReportModel): void {
  heading(doc, 'Summary');
  const cols = [0, 170, 240, 290, 340, 420];
  const x0 = doc.page.margins.left;
  const row = (cells: string[], bold: boolean) => {
    need(doc, 14);
    const y = doc.y;
    doc.font(bold ? 'Bold' : 'Body').fontSize(9).fillColor(COLOURS.text);
    cells.forEach((c, i) => doc.text(pdfText(c), x0 + cols[i], y, { width: (cols[i + 1] ?? 490) - cols[i] - 6, lineBreak: i === 0, ...tag() }));
    doc.x = x0;
    doc.y = Math.max(doc.y, y + 12);
  };
  const counts = (s: ReportModel['summary']) => [s.total, s.passed, s.failed, s.errors, s.notRun].map(String);
  row(['Phase', 'Test cases', 'Passed', 'Failed', 'Could not run', 'Not run'], true);
  for (const p of m.phases) row([p.name, ...counts(p.summary)], false);
  row(['All phases', ...counts(m.summary)], true);
}

/** The integration window: each phase's elapsed time against the budget. */
function windowTimes(doc: Doc, m: ReportModel): void {
  const w = m.run.window;
  if (!w) return;
  heading(doc, 'Integration window');
  write(doc, windowLine(w) + (m.run.status === 'paused' ? ' (paused after Stage 1: the update file waits to be applied)' : ''), { font: 'Bold', colour: w.overBudget ? COLOURS.fail : COLOURS.text, gap: 0.2 });
  for (const p of w.phases) write(doc, p.skipped !== undefined ? `${p.name}: NOT RUN (skipped: ${p.skipped})` : `${p.name}: ${fmtHms(p.elapsedMs)} (${fmtMs(p.elapsedMs)} ms), started ${p.startedAt}`, { indent: 8 });
}

/** The provider's response times: per phase a strip of dots, the median marked, the max labelled. */
function chart(doc: Doc, m: ReportModel): void {
  heading(doc, 'Provider response times');
  write(doc, "Response time (ms) of the provider to cda-sim's find and view calls, per phase. Bar: median. A maximum is red only over 10 s (reportable).", { size: 8, colour: COLOURS.muted, gap: 0.3 });
  const all = m.phases.flatMap((p) => p.providerTimes);
  const x0 = doc.page.margins.left;
  const left = x0 + 150;
  const right = doc.page.width - doc.page.margins.right - 10;
  let max = Math.max(0, ...all);
  const p10 = max > 0 ? 10 ** Math.floor(Math.log10(max)) : 1;
  max = max > 0 ? [1, 2, 5, 10].map((k) => k * p10).find((v) => v >= max)! : 1;
  const x = (ms: number) => left + (Math.min(Math.max(ms, 0), max) / max) * (right - left);
  const rowH = 34;
  for (const p of m.phases) {
    need(doc, rowH + 24);
    const y = doc.y;
    const cy = y + rowH / 2;
    const ts = p.providerTimes;
    const med = ts.length ? median(ts)! : 0;
    const mx = ts.length ? Math.max(...ts) : 0;
    // One tagged line per phase says in words what the dots draw.
    doc.font('Bold').fontSize(9).fillColor(COLOURS.text).text(pdfText(p.name), x0, cy - 10, { width: 145, height: 11, lineBreak: false, ellipsis: true, ...tag() });
    doc.font('Body').fontSize(8).fillColor(COLOURS.muted).text(ts.length ? `${ts.length} call${ts.length === 1 ? '' : 's'}` : 'no provider calls', x0, cy + 2, { width: 145, lineBreak: false, ...tag() });
    artifact(doc, () => {
      doc.moveTo(left, cy).lineTo(right, cy).lineWidth(0.4).strokeColor(COLOURS.rule).stroke();
      ts.forEach((t, j) => {
        doc.save().fillOpacity(0.55).circle(x(t), cy + (((j * 7) % 5) - 2) * 2, 2.6).fill(COLOURS.dot).restore();
      });
      if (ts.length) doc.moveTo(x(med), cy - 9).lineTo(x(med), cy + 9).lineWidth(1.4).strokeColor(COLOURS.text).stroke();
    });
    if (ts.length) {
      doc.font('Body').fontSize(7.5).fillColor(COLOURS.text).text(`median ${fmtMs(med)}`, x(med) - 40, cy - 19, { width: 80, align: 'center', lineBreak: false, ...tag() });
      const mxX = Math.min(x(mx), right - 30);
      // A maximum is a warning only when it is reportable (over 10 s); otherwise it stays muted.
      const slow = mx > SLOW_VIEW_MS;
      doc.fillColor(slow ? COLOURS.fail : COLOURS.muted).text(`max ${fmtMs(mx)}${slow ? ' (reportable)' : ''}`, mxX - 50, cy + 10, { width: 100, align: 'center', lineBreak: false, ...tag() });
    }
    doc.x = x0;
    doc.y = y + rowH;
  }
  // Axis.
  need(doc, 20);
  const ay = doc.y + 2;
  artifact(doc, () => {
    doc.moveTo(left, ay).lineTo(right, ay).lineWidth(0.6).strokeColor(COLOURS.muted).stroke();
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      doc.moveTo(x(v), ay).lineTo(x(v), ay + 3).stroke();
      doc.font('Body').fontSize(7.5).fillColor(COLOURS.muted).text(`${fmtMs(v)}${i === 4 ? ' ms' : ''}`, x(v) - 30, ay + 5, { width: 60, align: 'center', lineBreak: false });
    }
  });
  doc.x = x0;
  doc.y = ay + 18;
}

/** A soak's figures: the load, availability, slow views, errors, then a line per stage with its percentiles. */
function soakFigures(doc: Doc, f: SoakFigures): void {
  heading(doc, 'Soak');
  const a = f.availability;
  write(doc, `Load: ${f.load}. ${f.sent.finds} finds and ${f.sent.views} view dances sent in ${(f.wallMs / 1000).toFixed(1)} s, at most ${f.maxInFlight} in flight, on schedule whether or not earlier ones had answered.`, { gap: 0.2 });
  write(doc, `Availability: ${percent(a.share)} (${a.ok} of ${a.total}); PDP's figure is ${percent(a.target)}: ${a.share >= a.target ? 'met' : 'NOT MET'}. Finds ${a.finds.ok}/${a.finds.total} acknowledged within ${latency(a.findAckMs)}; views ${a.views.ok}/${a.views.total} with valid data within ${latency(a.viewMs)}.`, { font: 'Bold', colour: a.share >= a.target ? COLOURS.text : COLOURS.fail, gap: 0.2 });
  write(doc, `Slow views (a response over ${latency(f.slowViews.thresholdMs)}, each reportable to PDP): ${f.slowViews.count}. Errors: ${f.errors.total} (${percent(f.errors.rate)})${Object.keys(f.errors.byKind).length ? `: ${Object.entries(f.errors.byKind).map(([k, n]) => `${n} × ${k}`).join('; ')}` : ''}.`, { colour: f.slowViews.count ? COLOURS.fail : COLOURS.text, gap: 0.3 });
  const cols = [0, 190, 235, 280, 330, 380, 430, 480];
  const row = (cells: string[], bold = false) => {
    need(doc, 12);
    const y = doc.y;
    cells.forEach((c, i) => doc.font(bold ? 'Bold' : 'Body').fontSize(8).fillColor(COLOURS.text).text(pdfText(c), doc.page.margins.left + cols[i], y, { width: i ? 46 : 186, height: 10, lineBreak: false, ellipsis: true, ...tag() }));
    doc.x = doc.page.margins.left;
    doc.y = y + 11;
  };
  row(['stage', 'count', 'errors', 'p50', 'p90', 'p99', 'p99.9', 'max'], true);
  for (const s of STAGES) {
    const x = f.stages[s];
    const l = (v: number) => (x.ok ? latency(v) : '–');
    row([STAGE_LABELS[s], String(x.count), String(x.errors), l(x.p50), l(x.p90), l(x.p99), l(x.p999), l(x.max)]);
  }
  doc.moveDown(0.4);
}

/** An exchange's fields; kept whole when a line wraps, since a request id split at a hyphen misleads. */
function exchangeParts(e: ReportCase['exchanges'][number]): string[] {
  return [
    ...(e.decisive ? ['▶ BROKE THE RULE:'] : []),
    e.time,
    `${e.direction} ${e.role}`,
    `${e.method} ${e.path}`,
    `→ ${e.status || 'no answer'}`,
    ...(e.durationMs === undefined ? [] : [`${fmtMs(e.durationMs)} ms`]),
    ...(e.requestId ? [`id ${e.requestId}`] : []),
  ].map(pdfText);
}

/** Lay parts out on lines, breaking only between parts; a part wider than a line wraps on its own. */
function writeParts(doc: Doc, parts: string[], size: number, indent: number, marked = false): void {
  doc.font(marked ? 'Bold' : 'Body').fontSize(size).fillColor(marked ? COLOURS.fail : COLOURS.text);
  const width = contentWidth(doc) - indent;
  const gap = '   ';
  const lines: string[] = [];
  let line = '';
  for (const p of parts) {
    const candidate = line ? `${line}${gap}${p}` : p;
    if (!line || doc.widthOfString(candidate) <= width) line = candidate;
    else {
      lines.push(line);
      line = p;
    }
  }
  if (line) lines.push(line);
  const top = doc.y;
  lines.forEach((l, i) => {
    // Continuation lines are indented a little more, so each exchange reads as one entry.
    const extra = i === 0 ? 0 : 10;
    doc.text(l, doc.page.margins.left + indent + extra, doc.y, { width: width - extra, ...tag() });
  });
  // The exchange that broke the rule gets a bar in the margin as well as its words.
  if (marked && doc.y > top) artifact(doc, () => doc.rect(doc.page.margins.left + indent - 6, top, 2.5, doc.y - top).fill(COLOURS.fail));
}

const failed = (c: ReportCase) => c.verdict === 'fail' || c.verdict === 'error';

function testCase(doc: Doc, c: ReportCase): void {
  need(doc, 70);
  doc.moveDown(0.5);
  const y = doc.y;
  artifact(doc, () => doc.rect(doc.page.margins.left, y, 3, 12).fill(COLOURS[c.verdict]));
  // Id and verdict on one line first, so a reader (or pdftotext) finds them together.
  doc.font('Bold').fontSize(10.5).fillColor(COLOURS.text);
  doc.text(pdfText(`${c.id}  `), doc.page.margins.left + 8, y, { continued: true, width: contentWidth(doc) - 8, ...tag('H3') });
  doc.fillColor(COLOURS[c.verdict]).text(`${verdictWord(c)}  `, { continued: true });
  doc.fillColor(COLOURS.text).text(pdfText(c.title || ''));
  doc.moveDown(0.15);
  if (failed(c)) {
    labelled(doc, 'What decided it', c.decision.reason, 8);
    labelled(doc, 'The exchange that broke the rule', c.decision.exchange ? `${exchangeLabel(c.decision.exchange)} at ${c.decision.exchange.time} (marked below)` : 'none: something due never happened', 8);
  }
  labelled(doc, 'Rule', c.rule, 8);
  labelled(doc, 'Reference', c.reference, 8);
  write(doc, `Scenario ${c.scenario || '-'} · started ${c.startedAt || '-'} · ${fmtMs(c.durationMs) || '-'} ms`, { size: 8, colour: COLOURS.muted, indent: 8 });
  doc.moveDown(0.15);
  write(doc, `${reasonsHeading(c)}:`, { font: 'Bold', indent: 8 });
  if (c.reasons.length === 0) write(doc, '- no reason recorded', { indent: 16, colour: COLOURS.muted });
  for (const r of c.reasons) write(doc, `- ${r}`, { indent: 16 });
  doc.moveDown(0.15);
  write(doc, c.exchanges.length ? 'Exchanges (out: cda-sim called the provider; in: the provider called cda-sim):' : 'No exchanges are cited for this test case.', {
    font: 'Bold',
    size: 8,
    indent: 8,
  });
  for (const e of c.exchanges) writeParts(doc, exchangeParts(e), 7.5, 16, e.decisive);
}

function footers(doc: Doc, m: ReportModel): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Drawing in the bottom margin would otherwise make pdfkit start a new page.
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('Body').fontSize(7.5).fillColor(COLOURS.muted);
    const draw = () =>
      doc.text(pdfText(`cda-sim ${m.run.cdaSimVersion} · run ${m.run.id} · page ${i - range.start + 1} of ${range.count}`), doc.page.margins.left, doc.page.height - saved + 14, {
        width: contentWidth(doc),
        align: 'center',
        lineBreak: false,
      });
    if (tagRoot) {
      doc.markContent('Artifact', { type: 'Pagination' });
      draw();
      doc.endMarkedContent();
    } else draw();
    doc.page.margins.bottom = saved;
  }
}

/** The index column is narrow: NOT APPLICABLE and an expected failure are abbreviated there. */
function verdictLabelShort(c: ReportCase): string {
  if (c.expected === 'failure') return 'FAIL (EXP.)';
  if (c.expected === 'now-passing') return 'PASS (LISTED)';
  return c.verdict === 'not-applicable' ? 'N/A' : verdictWord(c);
}

/** Page 1's list: every failure with its id, title and the one line that decided it. */
function failureList(doc: Doc, m: ReportModel): void {
  const failures = m.phases.flatMap((p) => p.cases.filter(failed));
  heading(doc, failures.length ? `Failures (${failures.length})` : 'Failures');
  if (!failures.length) {
    write(doc, 'None: no test case failed.');
    return;
  }
  for (const c of failures) {
    need(doc, 24);
    doc.font('Bold').fontSize(8.5).fillColor(COLOURS.text);
    doc.text(pdfText(`${c.id}  `), doc.page.margins.left, doc.y, { continued: true, width: contentWidth(doc), ...tag() });
    doc.fillColor(COLOURS[c.verdict]).text(`${verdictWord(c)}  `, { continued: true });
    doc.fillColor(COLOURS.text).text(pdfText(c.title));
    write(doc, c.decision.line || 'no reason recorded', { size: 8, indent: 12, gap: 0.25 });
  }
}

function render(doc: Doc, m: ReportModel, soak?: SoakFigures): void {
  const head = headline(m);
  const colour = head.verdict === 'PASSED' ? COLOURS.pass : head.verdict === 'FAILED' ? COLOURS.fail : COLOURS.error;
  write(doc, 'cda-sim evidence report', { font: 'Bold', size: 20, tag: 'H1' });
  write(doc, 'A rehearsal against cda-sim, a local stand-in for the Pensions Dashboards central digital architecture. Not evidence of PDP\'s own testing.', {
    size: 8.5,
    colour: COLOURS.muted,
    gap: 0.4,
  });
  write(doc, head.line, { font: 'Bold', size: 12, colour, gap: head.notes.length ? 0.2 : 0 });
  for (const n of head.notes) write(doc, n, { size: 9, gap: 0.1 });
  failureList(doc, m);
  metadata(doc, m);
  summary(doc, m);
  windowTimes(doc, m);
  // A soak's timings are its own section; a soak alone has no test-case exchanges for the strip.
  if (soak) soakFigures(doc, soak);
  if (!soak || m.phases.some((p) => p.providerTimes.length)) chart(doc, m);
  for (const p of m.phases) {
    doc.addPage();
    heading(doc, `Phase: ${p.name}`, 15);
    const s = p.summary;
    write(doc, `${s.passed} of ${s.total} passed${s.failed ? `, ${s.failed} failed` : ''}${s.errors ? `, ${s.errors} could not run` : ''}${s.notRun ? `, ${s.notRun} not run` : ''}.`, { gap: 0.2 });
    // An index of the phase first, as in the HTML table.
    for (const c of p.cases) {
      need(doc, 12);
      const y = doc.y;
      doc.font('Bold').fontSize(8.5).fillColor(COLOURS.text).text(pdfText(c.id), doc.page.margins.left, y, { width: 70, lineBreak: false, ellipsis: true, ...tag() });
      doc.fillColor(COLOURS[c.verdict]).text(verdictLabelShort(c), doc.page.margins.left + 72, y, { width: 62, lineBreak: false, ...tag() });
      doc.font('Body').fillColor(COLOURS.text).text(pdfText(c.title), doc.page.margins.left + 136, y, { width: contentWidth(doc) - 136, height: 11, lineBreak: false, ellipsis: true, ...tag() });
      doc.x = doc.page.margins.left;
      doc.y = y + 11;
    }
    // Failures first, as in the HTML.
    for (const c of [...p.cases.filter(failed), ...p.cases.filter((x) => !failed(x))]) testCase(doc, c);
  }
  footers(doc, m);
}

function pdfDate(s: string): Date | undefined {
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t) : undefined;
}

/** The embedded fonts, and the glyph test pdfText uses. */
function loadFonts(doc: Doc): void {
  for (const [name, file] of Object.entries(FONT_FILES)) doc.registerFont(name, path.join(fontsDir, file));
  doc.font('Body');
  const face = (doc as unknown as { _font?: { font?: { hasGlyphForCodePoint?: (c: number) => boolean } } })._font?.font;
  hasGlyph = face?.hasGlyphForCodePoint ? (c) => face.hasGlyphForCodePoint!(c) : () => true;
}

export async function writePdf(results: RunResults, file: string): Promise<void> {
  const m = toModel(results);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  const created = pdfDate(m.run.finishedAt) ?? pdfDate(m.run.startedAt);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 48, bottom: 48, left: 48, right: 48 },
    bufferPages: true,
    pdfVersion: '1.7',
    tagged: true,
    lang: 'en-GB',
    displayTitle: true,
    info: {
      Title: `cda-sim evidence report ${m.run.id}`,
      Author: 'cda-sim',
      Subject: headline(m).line,
      Creator: `cda-sim ${m.run.cdaSimVersion}`,
      // The run's own time, not the time of writing: the same results give the same metadata.
      ...(created ? { CreationDate: created } : {}),
    },
  });
  const out = fs.createWriteStream(tmp, { mode: 0o600 });
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', () => resolve());
    out.on('error', reject);
    doc.on('error', reject);
  });
  doc.pipe(out);
  loadFonts(doc);
  tagRoot = doc.struct('Document');
  doc.addStructure(tagRoot);
  try {
    render(doc, m, results.soak);
  } catch (err) {
    // Still close a readable PDF that says what went wrong, rather than leave a broken file.
    doc.addPage();
    write(doc, `The report could not be completed from these results: ${err instanceof Error ? err.message : String(err)}`, { font: 'Bold', colour: COLOURS.fail });
  } finally {
    tagRoot.end();
    tagRoot = undefined;
    hasGlyph = () => true;
  }
  doc.end();
  await done;
  fs.renameSync(tmp, file);
}
