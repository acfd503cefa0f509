// The sequence diagram of one test case: a lane per party, and for each exchange a request arrow
// (method and path) and a dashed answer arrow (status) back, top to bottom in the order they started,
// coloured by their test case's verdict. Drawn as SVG with our own code.
import { s } from './dom.js';

export const LANES = [
  { id: 'pfs', label: 'PFS' },
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'provider', label: 'Provider' },
  { id: 'ca', label: 'C&A' },
  { id: 'reporting', label: 'Reporting' },
  { id: 'other', label: 'Other' },
];

const LANE_W = 170;
const TOP = 44;
const ROW = 56;

/** The four lanes always; reporting and other only when an exchange uses them. */
function lanesFor(entries) {
  const used = new Set(entries.flatMap((e) => [e.from, e.to]));
  return LANES.filter((l) => ['pfs', 'dashboard', 'provider', 'ca'].includes(l.id) || used.has(l.id));
}

/** `toneOf(e)`: the verdict colour of an exchange (pass, fail or none), from its test case, never from its status. */
export function sequenceDiagram(entries, { selected, onSelect, toneOf = () => 'none' }) {
  const lanes = lanesFor(entries);
  const x = (id) => LANE_W / 2 + LANE_W * lanes.findIndex((l) => l.id === id);
  const width = LANE_W * lanes.length;
  const height = TOP + ROW * entries.length + 24;
  const svg = s('svg', { class: 'sequence', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'sequence diagram' },
    s('defs', {},
      s('marker', { id: 'head', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z' }))));
  for (const lane of lanes) {
    svg.append(
      s('g', { class: 'lane', 'data-lane': lane.id },
        s('rect', { x: x(lane.id) - 60, y: 6, width: 120, height: 26, rx: 4 }),
        s('text', { x: x(lane.id), y: 24, 'text-anchor': 'middle' }, lane.label),
        s('line', { x1: x(lane.id), y1: 32, x2: x(lane.id), y2: height - 6 })));
  }
  entries.forEach((e, i) => {
    const y = TOP + ROW * i + 14;
    const x1 = x(e.from);
    const x2 = x(e.to);
    const mid = (x1 + x2) / 2;
    const tone = toneOf(e);
    svg.append(
      s('g', {
        class: `arrow tone-${tone}${e.seq === selected ? ' selected' : ''}`,
        'data-seq': e.seq,
        'data-tone': tone,
        'data-status': e.status,
        'data-time': e.time,
        'data-path': e.path,
        'data-method': e.method,
        'data-from': e.from,
        'data-to': e.to,
        tabindex: 0,
        onclick: () => onSelect(e),
        onkeydown: (ev) => (ev.key === 'Enter' ? onSelect(e) : undefined),
      },
        s('title', {}, `${e.time.slice(11, 23)} ${e.method} ${e.path} → ${e.status} (${e.durationMs} ms)${tone === 'pass' ? ', as its test case expects' : tone === 'fail' ? ', judged a failure' : ''}`),
        s('rect', { class: 'hit', x: Math.min(x1, x2), y: y - 16, width: Math.max(Math.abs(x2 - x1), 1), height: ROW - 8 }),
        s('line', { class: 'request', x1, y1: y, x2, y2: y, 'marker-end': 'url(#head)' }),
        s('text', { x: mid, y: y - 5, 'text-anchor': 'middle' }, `${e.method} ${e.path}`),
        s('line', { class: 'response', x1: x2, y1: y + 22, x2: x1, y2: y + 22, 'marker-end': 'url(#head)' }),
        s('text', { class: 'status', x: mid, y: y + 18, 'text-anchor': 'middle' }, e.status ? String(e.status) : e.error ?? 'no answer')));
  });
  return svg;
}
