// The soak's figures in plain text: the live line while it runs, and the table printed at its end.
import { STAGES, STAGE_LABELS, type SoakFigures } from '../scenarios/soak-figures.js';
import type { SoakStatus } from './driver.js';
import { latency, percent } from '../reports/soak-html.js';
import { WAIT_LINE_EVERY_MS } from '../core/waiting.js';

const clock = (ms: number) => {
  const t = Math.floor(Math.max(0, ms) / 1000);
  return `${Math.floor(t / 3600)}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
};
const rate = (n: number) => `${n.toFixed(1)}/s`;

/** `soak 0:00:12 of 0:10:00 · rate 20.0/s asked, 19.9/s sent, 19.8/s answered · find-ack p99 12.3 ms · 0 errors · 14 in flight` */
export function statusLine(s: SoakStatus): string {
  return [
    s.draining ? `soak ${clock(s.elapsedMs)}: all ${s.sent} finds sent, awaiting answers` : `soak ${clock(s.elapsedMs)} of ${clock(s.durationMs)}`,
    s.draining ? '' : `rate ${rate(s.askedRate)} asked, ${rate(s.sentRate)} sent, ${rate(s.answeredRate)} answered`,
    `find-ack p99 ${s.findAckP99 === undefined ? '–' : latency(s.findAckP99)}`,
    `${s.errors} error${s.errors === 1 ? '' : 's'}`,
    `${s.inFlight} in flight`,
    `${s.views} views`,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Status lines for a log or CI (no live line): one every 10 s, as every long wait says how it goes. */
export function statusLinesEvery10s(print: (line: string) => void): (s: SoakStatus) => void {
  let last = 0;
  return (s) => {
    if (s.elapsedMs - last < WAIT_LINE_EVERY_MS) return;
    last = s.elapsedMs;
    print(statusLine(s));
  };
}

/** The figures as a table: a line per stage with its percentiles, then availability, slow views, errors. */
export function figuresTable(f: SoakFigures): string[] {
  const head = ['stage', 'count', 'errors', 'p50', 'p90', 'p99', 'p99.9', 'max'];
  const rows = STAGES.map((s) => {
    const x = f.stages[s];
    const l = (v: number) => (x.ok ? latency(v) : '–');
    return [STAGE_LABELS[s], String(x.count), String(x.errors), l(x.p50), l(x.p90), l(x.p99), l(x.p999), l(x.max)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const a = f.availability;
  const kinds = Object.entries(f.errors.byKind).sort((x, y) => y[1] - x[1]);
  return [
    ...(f.mergedFrom ? [`merged from ${f.mergedFrom.length} soaks: ${f.mergedFrom.join(', ')}`] : []),
    `load: ${f.load}; ${f.sent.finds} finds and ${f.sent.views} view dances sent in ${(f.wallMs / 1000).toFixed(1)} s (at most ${f.maxInFlight} in flight; the driver ran up to ${f.scheduleLagMaxMs} ms behind its schedule)`,
    line(head),
    ...rows.map(line),
    `availability: ${percent(a.share)} (${a.ok} of ${a.total}: finds ${a.finds.ok}/${a.finds.total} acknowledged within ${latency(a.findAckMs)}, views ${a.views.ok}/${a.views.total} with valid data within ${latency(a.viewMs)}); PDP's figure is ${percent(a.target)}: ${a.share >= a.target ? 'met' : 'NOT MET'}`,
    `slow views (a response over ${latency(f.slowViews.thresholdMs)}, each reportable to PDP): ${f.slowViews.count}`,
    `registrations: ${f.registrations.seen} finds registered, ${f.registrations.missing} not within the window, ${f.registrations.pendingAtEnd} still awaited at the end`,
    `errors: ${f.errors.total} (${percent(f.errors.rate)})${kinds.length ? `: ${kinds.map(([k, n]) => `${n} × ${k}`).join('; ')}` : ''}`,
    ...(f.refusedByBound ? [`${f.refusedByBound} finds or views were NOT SENT: the in-flight bound was reached (counted as errors and as unavailable)`] : []),
    ...(f.faultMix ? [`background C&A faults (--fault-mix ${f.faultMix.asked}): ${Object.entries(f.faultMix.armed).map(([s, n]) => `${n} × ${s}`).join(', ') || 'none drawn'}`] : []),
  ];
}
