// The soak section of the HTML report: the figures per stage, availability and slow views, then two
// inline SVG charts: latency over time (p99 of each interval) and latency by percentile.
import { STAGES, STAGE_LABELS, type SoakFigures, type StageName } from '../scenarios/soak-figures.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export const latency = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
export const percent = (share: number) => `${(share * 100).toFixed(share === 1 ? 0 : 2)}%`;

/** Round an axis maximum up to 1, 2 or 5 times a power of ten. */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 2, 5, 10]) if (v <= k * p) return k * p;
  return 10 * p;
}

const SERIES: { stage: StageName; colour: string }[] = [
  { stage: 'find-ack', colour: '#0969da' },
  { stage: 'find-registration', colour: '#8250df' },
  { stage: 'view', colour: '#1a7f37' },
  { stage: 'ca-calls', colour: '#9a6700' },
];

interface Frame {
  W: number;
  H: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function frame(parts: string[], f: Frame, yMax: number, label: string): (ms: number) => number {
  const y = (ms: number) => f.H - f.bottom - (Math.min(Math.max(ms, 0), yMax) / yMax) * (f.H - f.top - f.bottom);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<line x1="${f.left}" y1="${y(v).toFixed(1)}" x2="${f.W - f.right}" y2="${y(v).toFixed(1)}" stroke="#e3e6ea"/>`);
    parts.push(`<text x="${f.left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#57606a">${esc(latency(v))}</text>`);
  }
  parts.push(`<text x="12" y="20" font-size="13" font-weight="600" fill="#1b1f24">${esc(label)}</text>`);
  return y;
}

function legend(parts: string[], f: Frame, series: { label: string; colour: string }[]): void {
  series.forEach((s, i) => {
    const x = f.left + i * 190;
    parts.push(`<rect x="${x}" y="${f.H - 16}" width="12" height="4" fill="${s.colour}"/><text x="${x + 16}" y="${f.H - 11}" font-size="11" fill="#1b1f24">${esc(s.label)}</text>`);
  });
}

/** p99 of each interval, for the find acknowledgement and the whole view, across the soak. */
export function latencyOverTimeSvg(f: SoakFigures): string {
  const fr: Frame = { W: 860, H: 280, left: 70, right: 20, top: 34, bottom: 56 };
  const points = f.timeline;
  const yMax = niceMax(Math.max(0, ...points.map((p) => Math.max(p.findAckP99 ?? 0, p.viewP99 ?? 0))));
  const tMax = Math.max(1000, ...points.map((p) => p.atMs + p.intervalMs));
  const x = (ms: number) => fr.left + (ms / tMax) * (fr.W - fr.left - fr.right);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${fr.W} ${fr.H}" width="${fr.W}" height="${fr.H}" role="img" aria-label="latency over time">`, `<title>p99 latency of each ${points[0]?.intervalMs ?? 1000} ms interval across the soak</title>`];
  const y = frame(parts, fr, yMax, `Latency over time (p99 of each ${(points[0]?.intervalMs ?? 1000) / 1000} s interval)`);
  for (let i = 0; i <= 4; i++) {
    const t = (tMax * i) / 4;
    parts.push(`<text x="${x(t).toFixed(1)}" y="${fr.H - fr.bottom + 16}" font-size="11" text-anchor="middle" fill="#57606a">${(t / 1000).toFixed(0)} s</text>`);
  }
  const lines: { key: 'findAckP99' | 'viewP99'; label: string; colour: string }[] = [
    { key: 'findAckP99', label: 'find acknowledgement p99', colour: '#0969da' },
    { key: 'viewP99', label: 'whole view dance p99', colour: '#1a7f37' },
  ];
  for (const l of lines) {
    const pts = points.filter((p) => p[l.key] !== undefined).map((p) => `${x(p.atMs + p.intervalMs / 2).toFixed(1)},${y(p[l.key]!).toFixed(1)}`);
    if (pts.length) parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${l.colour}" stroke-width="2"/>`);
    for (const p of points) if (p[l.key] !== undefined) parts.push(`<circle cx="${x(p.atMs + p.intervalMs / 2).toFixed(1)}" cy="${y(p[l.key]!).toFixed(1)}" r="2.5" fill="${l.colour}"><title>${(p.atMs / 1000).toFixed(0)} s: ${esc(latency(p[l.key]!))}; ${p.sent} finds sent, ${p.errors} errors</title></circle>`);
  }
  legend(parts, fr, lines);
  parts.push('</svg>');
  return parts.join('\n');
}

/** Latency at each percentile, per stage, on a scale that opens up the tail (50, 90, 99, 99.9 equally apart). */
export function percentileSvg(f: SoakFigures): string {
  const fr: Frame = { W: 860, H: 280, left: 70, right: 20, top: 34, bottom: 56 };
  const tail = (p: number) => Math.log10(1 / Math.max(1e-4, 1 - p / 100));
  const xMax = tail(99.99);
  const x = (p: number) => fr.left + (Math.min(tail(p), xMax) / xMax) * (fr.W - fr.left - fr.right);
  const series = SERIES.filter((s) => f.stages[s.stage].percentiles.length);
  const yMax = niceMax(Math.max(0, ...series.flatMap((s) => f.stages[s.stage].percentiles.map((p) => p.ms))));
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${fr.W} ${fr.H}" width="${fr.W}" height="${fr.H}" role="img" aria-label="latency by percentile">`, '<title>Latency at each percentile, per stage</title>'];
  const y = frame(parts, fr, yMax, 'Latency by percentile');
  for (const p of [0, 50, 90, 99, 99.9, 99.99]) parts.push(`<text x="${x(p).toFixed(1)}" y="${fr.H - fr.bottom + 16}" font-size="11" text-anchor="middle" fill="#57606a">p${p}</text>`);
  for (const s of series) {
    const pts = f.stages[s.stage].percentiles.map((p) => `${x(p.percentile).toFixed(1)},${y(p.ms).toFixed(1)}`);
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.colour}" stroke-width="2"><title>${esc(STAGE_LABELS[s.stage])}</title></polyline>`);
  }
  legend(parts, fr, series.map((s) => ({ label: STAGE_LABELS[s.stage].replace(/ \(.*\)$/, ''), colour: s.colour })));
  parts.push('</svg>');
  return parts.join('\n');
}

function stagesTable(f: SoakFigures): string {
  const head = ['Stage', 'Count', 'Errors', 'Timeouts', 'p50', 'p90', 'p99', 'p99.9', 'Max'];
  const rows = STAGES.map((s) => {
    const x = f.stages[s];
    const l = (v: number) => (x.ok ? latency(v) : '–');
    return `<tr><td>${esc(STAGE_LABELS[s])}</td>${[String(x.count), String(x.errors), String(x.timeouts), l(x.p50), l(x.p90), l(x.p99), l(x.p999), l(x.max)].map((c) => `<td class="num">${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((h, i) => `<th${i ? ' class="num"' : ''}>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function soakSectionHtml(f: SoakFigures): string {
  const a = f.availability;
  const kinds = Object.entries(f.errors.byKind).sort((x, y) => y[1] - x[1]);
  return `<h2 id="soak">Soak</h2>
${f.mergedFrom ? `<p>Merged from ${f.mergedFrom.length} soaks run apart: ${f.mergedFrom.map(esc).join(', ')}. Their histograms are added, so each percentile is of all their traffic; each interval's p99 in the chart is the highest of theirs.</p>` : ''}
<p>Load: ${esc(f.load)}. ${f.sent.finds} finds and ${f.sent.views} view dances sent in ${(f.wallMs / 1000).toFixed(1)} s, at most ${f.maxInFlight} in flight, to ${f.users.length} test users. Finds are sent on schedule whether or not earlier ones have answered, so a slow provider shows as latency, not as a lower rate.</p>
<p><strong>Availability: ${esc(percent(a.share))}</strong> (${a.ok} of ${a.total}; PDP's figure is ${esc(percent(a.target))}: ${a.share >= a.target ? 'met' : '<strong>NOT MET</strong>'}). Finds ${a.finds.ok}/${a.finds.total} acknowledged with 202 within ${esc(latency(a.findAckMs))}; views ${a.views.ok}/${a.views.total} with valid, verified view data within ${esc(latency(a.viewMs))}.</p>
<p><strong>Slow views: ${f.slowViews.count}</strong> (a view response over ${esc(latency(f.slowViews.thresholdMs))}, each reportable to PDP)${f.slowViews.examples.length ? `: ${f.slowViews.examples.map((e) => `${esc(e.assetGuid)} ${esc(latency(e.ms))}`).join(', ')}${f.slowViews.count > f.slowViews.examples.length ? ', …' : ''}` : ''}.</p>
<p>Errors: ${f.errors.total} (${esc(percent(f.errors.rate))})${kinds.length ? `: ${kinds.map(([k, n]) => `${n} × ${esc(k)}`).join('; ')}` : ''}. Registrations: ${f.registrations.seen} finds registered, ${f.registrations.missing} not within the window, ${f.registrations.pendingAtEnd} still awaited at the end.${f.faultMix ? ` Background C&amp;A faults (${esc(f.faultMix.asked)}): ${Object.entries(f.faultMix.armed).map(([s, n]) => `${n} × ${s}`).join(', ') || 'none drawn'}.` : ''}</p>
${stagesTable(f)}
${latencyOverTimeSvg(f)}
${percentileSvg(f)}`;
}
