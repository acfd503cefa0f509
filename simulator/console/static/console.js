// The console page: test cases with their verdicts, the timeline of exchanges grouped by test case
// (kept live over server-sent events), one test case's sequence diagram, an exchange in full,
// the registrations table and the kept runs with their reports.
import { clear, h, time } from './dom.js';
import { sequenceDiagram } from './diagram.js';

const OUTSIDE = '(outside any test case)';
// `viewing`: a kept run opened from the Runs list (its own results and journal), or undefined for the source's own run.
const state = { source: undefined, run: undefined, ownRun: undefined, viewing: undefined, timeline: [], selectedCase: undefined, selectedSeq: undefined, liveCount: 0, chosen: false };
const $ = (id) => document.getElementById(id);

async function api(path) {
  const res = await fetch(`api/${path}`, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

const groupOf = (e) => e.testCase ?? e.scenario ?? OUTSIDE;

/** Where the shown run's timeline and exchanges are read: the source's own, or a kept run's. */
const runApi = (p) => (state.viewing ? `runs/${encodeURIComponent(state.viewing)}/${p}` : p);

/** Start time order, as the server sends them: a view before the /perm it caused. */
const byStart = (a, b) => a.time.localeCompare(b.time) || a.seq - b.seq;

const citedKey = (x) => `${x.time}|${x.direction}|${x.method}|${x.path}|${x.status}`;

/**
 * An exchange's colour is its test case's verdict, not its HTTP status (an expected 401 is green):
 * pass, or fail for the exchanges a failed case cites (all of them when it cites none); none while
 * unjudged or outside any test case.
 */
function toneOf(e, caseId = groupOf(e)) {
  const t = state.run?.testCases.find((x) => x.id === caseId);
  if (!t?.verdict) return 'none';
  if (t.verdict === 'pass' || t.verdict === 'not-applicable') return 'pass';
  if (t.verdict !== 'fail' && t.verdict !== 'error') return 'none';
  const cited = new Set((t.exchanges ?? []).map(citedKey));
  return !cited.size || cited.has(citedKey(e)) ? 'fail' : 'none';
}

/** A run's verdict badge: PASSED, FAILED, PAUSED, INTERRUPTED or INCOMPLETE, each its own colour. */
function runBadge(verdict) {
  const v = verdict ?? 'INCOMPLETE';
  return h('span', { class: `run-badge badge-${v.toLowerCase()}`, 'data-verdict': v }, v);
}

/** The test cases to list: the run's, in order, then any other group the timeline has. */
function caseList() {
  const cases = (state.run?.testCases ?? []).map((t) => ({ ...t }));
  const known = new Set(cases.map((t) => t.id));
  for (const e of state.timeline) {
    const g = groupOf(e);
    if (!known.has(g)) {
      known.add(g);
      cases.push({ id: g, title: g === OUTSIDE ? 'exchanges no test case caused' : 'exchanges of the phase' });
    }
  }
  return cases;
}

/** A test case's exchanges: those it caused, or else those its checks judged. */
function entriesOf(id) {
  const own = state.timeline.filter((e) => groupOf(e) === id);
  if (own.length) return own;
  const wanted = new Set((state.run?.testCases.find((t) => t.id === id)?.exchanges ?? []).map(citedKey));
  return state.timeline.filter((e) => wanted.has(citedKey(e)));
}

function verdictBadge(t) {
  const v = t.verdict ?? (t.state === 'running' ? 'running' : undefined);
  return v ? h('span', { class: `verdict ${v}` }, v) : '';
}

function renderHeader() {
  $('source').textContent = state.source ? `${state.source.label}${state.source.kind === 'live' ? '' : ' (recorded)'}` : '';
  const r = state.run;
  const judged = r?.testCases.filter((t) => t.state === 'done').length ?? 0;
  clear($('run-state'), r
    ? [`run ${r.runId}: `, ...(r.state === 'running' ? [`running, ${judged} of ${r.planned ?? '?'} judged`] : [runBadge(r.verdict), ` ${r.summary.passed} of ${r.summary.total} passed${r.summary.notRun ? `, ${r.summary.notRun} not run` : ''}`])]
    : h('span', { class: 'muted hint' }, 'No run yet: `cda-sim rehearse --console` follows one here; the Runs list below opens any kept run.'));
  $('run-state').className = r?.verdict ? `run-${r.verdict.toLowerCase()}` : '';
  $('viewing').hidden = !state.viewing;
  $('live-count').textContent = String(state.liveCount);
  $('live').hidden = state.source?.kind !== 'live' || !!state.viewing;
}

function renderCases() {
  const cases = caseList();
  if (!state.chosen && !cases.some((c) => c.id === state.selectedCase)) {
    state.selectedCase = cases.find((c) => entriesOf(c.id).length)?.id;
  }
  clear($('test-cases'), cases.length
    ? cases.map((t) =>
        h('li', { class: t.id === state.selectedCase ? 'selected' : '', 'data-test-case': t.id },
          h('button', { type: 'button', onclick: () => selectCase(t.id, true) },
            h('span', { class: 'case-id' }, t.id), ' ', h('span', { class: 'case-title' }, t.title ?? ''), ' ', verdictBadge(t))))
    : h('li', { class: 'muted hint' }, 'No test cases yet. They appear here as a rehearsal plays them (`cda-sim rehearse --console`), or open a kept run from the Runs list.'));
}

function renderTimeline() {
  const groups = new Map();
  for (const e of state.timeline) {
    const g = groupOf(e);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(e);
  }
  if (!groups.size) {
    clear($('timeline'), h('p', { class: 'muted hint' }, 'No exchanges yet. Every call cda-sim sends or receives lands here as it happens, grouped by the test case that caused it.'));
    return;
  }
  clear($('timeline'), [...groups].map(([g, entries]) =>
    h('details', { class: 'group', 'data-test-case': g, open: true },
      h('summary', {}, `${g} · ${entries.length} exchange${entries.length === 1 ? '' : 's'}`),
      h('ol', {}, entries.map((e) =>
        h('li', { class: `entry tone-${toneOf(e, g)}`, 'data-seq': e.seq, 'data-tone': toneOf(e, g), 'data-time': e.time },
          h('button', { type: 'button', title: 'started at', onclick: () => { selectCase(g, true); showExchange(e.seq); } },
            h('span', { class: 'muted' }, time(e.time)), ' ', `${e.from} → ${e.to} `, h('b', {}, `${e.method} ${e.path}`), ` ${e.status || e.error || ''}`)))))));
}

function renderDiagram() {
  const id = state.selectedCase;
  const t = state.run?.testCases.find((x) => x.id === id);
  $('diagram-title').textContent = id ? `Sequence diagram: ${id}` : 'Sequence diagram';
  $('diagram-rule').textContent = t?.rule ? `${t.title}. Rule: ${t.rule}${t.reasons?.length ? ` — ${t.reasons.join(' | ')}` : ''}` : '';
  const entries = id ? entriesOf(id) : [];
  clear($('diagram'), entries.length
    ? sequenceDiagram(entries, { selected: state.selectedSeq, onSelect: (e) => showExchange(e.seq), toneOf: (e) => toneOf(e, id) })
    : h('p', { class: 'muted hint' }, id ? 'No exchange for this test case yet: it may still be waiting, or judge what earlier cases sent.' : 'Choose a test case on the left: its finds, views and the provider’s C&A calls are drawn here, in the order they started; click an arrow for the full exchange.'));
}

function render() {
  renderHeader();
  renderCases();
  renderTimeline();
  renderDiagram();
}

function selectCase(id, byUser) {
  state.selectedCase = id;
  state.chosen ||= byUser;
  renderCases();
  renderDiagram();
}

const pretty = (v) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v, null, 2));

const JWS = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;

function decodePart(part) {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The signed tokens (compact JWS) in a body or header, decoded for reading: header and claims, not verified. */
function tokensIn(value, name, out = []) {
  if (typeof value === 'string') {
    const token = value.replace(/^Bearer\s+/i, '');
    if (JWS.test(token)) {
      try {
        const [header, claims] = token.split('.').slice(0, 2).map(decodePart);
        if (header && typeof header === 'object' && header.alg) out.push({ name, header, claims });
      } catch {
        // not a JWS after all
      }
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) tokensIn(v, name ? `${name}.${k}` : k, out);
  }
  return out;
}

function tokenList(...sources) {
  const tokens = sources.flatMap(([value, name]) => tokensIn(value, name));
  return tokens.length
    ? h('div', { class: 'tokens' }, tokens.map((t) =>
        h('details', {}, h('summary', {}, `${t.name}: signed token (${t.header.alg ?? '?'}, kid ${t.header.kid ?? 'none'}), decoded, not verified`),
          h('pre', { class: 'body' }, JSON.stringify({ header: t.header, claims: t.claims }, null, 2)))))
    : '';
}

function headerTable(headers) {
  return h('table', { class: 'headers' }, h('tbody', {}, Object.entries(headers ?? {}).map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, Array.isArray(v) ? v.join(', ') : String(v))))));
}

async function showExchange(seq) {
  state.selectedSeq = seq;
  renderDiagram();
  const panel = $('exchange');
  panel.hidden = false;
  clear(panel, h('p', { class: 'muted' }, 'loading…'));
  let e;
  try {
    e = await api(runApi(`exchanges/${seq}`));
  } catch (err) {
    clear(panel, h('p', { class: 'failed' }, `could not load exchange ${seq}: ${err.message}`));
    return;
  }
  clear(panel,
    h('h3', {}, `#${e.seq} ${e.method} ${e.url ?? e.path} → ${e.status}`),
    h('p', { class: 'muted' }, `${e.time} · ${e.direction === 'in' ? 'received by' : 'sent by'} cda-sim's ${e.role} · ${Math.round(e.durationMs)} ms${e.requestId ? ` · X-Request-ID ${e.requestId}` : ''}${e.clientCert ? ` · client certificate ${e.clientCert.subject}` : ''}`),
    e.error ? h('p', { class: 'failed' }, e.error) : '',
    h('div', { class: 'exchange-parts' },
      h('div', { class: 'request' }, h('h4', {}, 'Request'), headerTable(e.requestHeaders), h('pre', { class: 'body' }, pretty(e.requestBody)),
        tokenList([e.requestHeaders?.authorization, 'Authorization'], [e.requestBody, ''])),
      h('div', { class: 'response' }, h('h4', {}, `Response ${e.status}`), headerTable(e.responseHeaders), h('pre', { class: 'body' }, pretty(e.responseBody)),
        tokenList([e.responseBody, '']))));
}

async function loadTimeline() {
  state.timeline = (await api(runApi('timeline'))).entries;
  render();
}

async function loadRegistrations() {
  const { registrations } = await api(runApi('registrations'));
  clear($('registrations').tBodies[0], registrations.length
    ? registrations.map((r) =>
        h('tr', { class: r.deleted_at ? 'deleted' : '' },
          h('td', { class: 'mono' }, r.name), h('td', {}, r.description ?? ''), h('td', {}, r.match_status ?? ''),
          h('td', {}, r.owner_user_id ?? r.owner), h('td', {}, r.created_at ?? ''), h('td', {}, r.deleted_at ? `${r.deleted_at} (${r.deletion_reason ?? ''})` : '')))
    : h('tr', {}, h('td', { colspan: 6, class: 'muted hint' }, 'No PeI registered yet: the provider’s POST /rreguri calls fill this table.')));
}

async function loadRuns() {
  const { runs } = await api('runs');
  clear($('runs').tBodies[0], runs.length
    ? runs.map((r) =>
        // The server judges the run (a paused or stopped run is never a pass); the badge only shows it.
        h('tr', { 'data-run': r.id, class: r.id === (state.viewing ?? state.ownRun?.runId) ? 'shown' : '' },
          h('td', { class: 'mono' }, !r.summary ? r.id : h('button', { type: 'button', class: 'open-run', title: 'open this run', onclick: () => openRun(r.id) }, r.id)),
          h('td', {}, r.startedAt ?? ''), h('td', {}, r.provider ?? ''),
          h('td', {}, runBadge(r.verdict), r.summary ? h('span', { class: 'muted count' }, ` ${r.summary.passed} of ${r.summary.total} passed`) : ''),
          h('td', {}, r.files.map((f) => h('a', { href: `api/runs/${encodeURIComponent(r.id)}/files/${encodeURIComponent(f)}`, download: '' }, f)))))
    : h('tr', {}, h('td', { colspan: 5, class: 'muted hint' }, 'No runs kept yet: every `cda-sim rehearse` keeps its run in <state-dir>/runs/, listed here.')));
}

/** Show a kept run: its test cases, verdicts and own journal; `undefined` goes back to the source's own run. */
async function openRun(id) {
  state.viewing = id === state.ownRun?.runId ? undefined : id;
  state.run = state.viewing ? await api(`runs/${encodeURIComponent(id)}`) : state.ownRun;
  state.selectedCase = undefined;
  state.selectedSeq = undefined;
  state.chosen = false;
  $('exchange').hidden = true;
  history.replaceState(null, '', state.viewing ? `#run=${encodeURIComponent(state.viewing)}` : '#');
  await Promise.all([loadTimeline(), loadRuns(), loadRegistrations()]);
  document.body.dataset.shown = state.run?.runId ?? '';
}

/** Several events often come together: act once they settle. */
function debounce(fn, ms) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => fn().catch(() => {}), ms);
  };
}

function follow() {
  // The server traces a provider's C&A call to its test case once the cause is journalled too:
  // reload the timeline when a burst settles, so late attributions land in the right group.
  const reloadTimeline = debounce(loadTimeline, 400);
  const reloadRegistrations = debounce(loadRegistrations, 400);
  const events = new EventSource('events');
  events.addEventListener('entry', (msg) => {
    const e = JSON.parse(msg.data);
    state.liveCount++;
    if (state.viewing) return; // a kept run is shown: the live stream is not its own
    // Until the reload below traces it, a call nobody tagged sits with the test case now running.
    const running = state.run?.testCases.find((t) => t.state === 'running');
    if (!e.testCase && !e.scenario && running) e.testCase = running.id;
    if (!state.timeline.some((x) => x.seq === e.seq)) state.timeline.push(e);
    state.timeline.sort(byStart);
    renderHeader();
    renderTimeline();
    if (e.testCase === state.selectedCase) renderDiagram();
    reloadTimeline();
    if (e.path.startsWith('/rreguri')) reloadRegistrations();
  });
  events.addEventListener('run', (msg) => {
    const { event, run } = JSON.parse(msg.data);
    state.ownRun = run;
    if (!state.viewing) state.run = run;
    render();
    if (event === 'run-start') reloadTimeline();
    if (event === 'run-end') {
      // The run is over: settle the timeline's grouping now, then say so (tests wait for it).
      Promise.all([loadTimeline(), loadRuns(), loadRegistrations()])
        .then(() => (document.body.dataset.run = 'finished'))
        .catch(() => {});
    }
  });
}

async function main() {
  const overview = await api('overview');
  state.source = overview.source;
  state.run = state.ownRun = overview.run;
  $('back').addEventListener('click', () => openRun(state.ownRun?.runId));
  const asked = /^#run=(.+)$/.exec(location.hash)?.[1];
  if (asked) await openRun(decodeURIComponent(asked)).catch(() => (state.viewing = undefined));
  await Promise.all([loadTimeline(), loadRegistrations(), loadRuns()]);
  if (state.source.kind === 'live') follow();
  document.body.dataset.ready = 'true';
  if (state.run?.state === 'finished') document.body.dataset.run = 'finished';
}

main().catch((err) => {
  $('source').textContent = `the console could not load: ${err.message}`;
});
