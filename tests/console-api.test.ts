// The console's API and event stream, live during a rehearsal and afterwards over the run's
// recorded data, every JSON answer checked against openapi/admin.yaml.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rehearse } from './helpers/rehearse.js';
import { recordedSource, type ConsoleRegistration } from '../simulator/console/source.js';
import { startConsole } from '../simulator/console/console-app.js';
import type { TimelineEntry } from '../simulator/console/timeline.js';
import { ContractChecker } from './helpers/contract.js';
import { sharedMaterial, specApi, tempDir } from './helpers/fixtures.js';

let contract: ContractChecker;

/** GET a console URL; JSON answers are checked against the admin document. */
async function get(base: string, path: string) {
  const res = await fetch(`${base}${path}`, { redirect: 'manual' });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  const body = /json/.test(type) && text ? JSON.parse(text) : text;
  if (path.startsWith('/console/api/')) {
    contract.check({ seq: 0, time: '', direction: 'in', role: 'admin', method: 'GET', url: path, path: path.split('?')[0], requestHeaders: {}, status: res.status, responseHeaders: Object.fromEntries(res.headers), responseBody: body, durationMs: 0 });
  }
  return { status: res.status, type, body, headers: res.headers };
}

/**
 * Read a server-sent event stream into a string until `stop` is called. `opened` resolves with its
 * first bytes: the console subscribes the stream before it writes them, so nothing after is missed.
 */
function collectEvents(url: string): { opened: Promise<void>; text: () => string; stop: () => void } {
  const ctl = new AbortController();
  let text = '';
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  (async () => {
    const res = await fetch(url, { signal: ctl.signal });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      open();
    }
  })()
    .catch(() => {})
    .finally(() => open());
  return { opened, text: () => text, stop: () => ctl.abort() };
}

const byPath = (t: TimelineEntry[], testCase: string) => t.filter((e) => e.testCase === testCase).map((e) => `${e.from}>${e.to} ${e.method} ${e.path.replace(/\/view-data\/.*/, '/view-data/…')}`);

test('live during a rehearsal, then over the recorded run: overview, timeline by test case, exchanges, registrations, runs, events', async () => {
  contract = new ContractChecker(await specApi('admin'));
  const { dir } = await sharedMaterial();
  const stateDir = tempDir();
  let stream: ReturnType<typeof collectEvents> | undefined;
  let liveTimeline: TimelineEntry[] = [];
  let liveRegistrations: ConsoleRegistration[] = [];
  const outcome = await rehearse({
    stateDir,
    certsDir: dir,
    // Connection proving alone: the console's views, not the window, are under test here.
    scenarios: ['connection-proving'],
    progress: () => {},
    onReady: async (sim) => {
      stream = collectEvents(`${sim.endpoints.admin}/console/events`);
      await stream.opened; // the stream is open before the first test case, however busy the machine
    },
    beforeClose: async (sim, o) => {
      const base = sim.endpoints.admin!;
      const overview = await get(base, '/console/api/overview');
      assert.is(overview.status, 200);
      assert.equal(overview.body.source, { kind: 'live', label: 'live simulator' });
      assert.is(overview.body.run.runId, o.results.run.id);
      assert.is(overview.body.run.state, 'finished');
      assert.equal(overview.body.run.testCases.map((t: { id: string }) => t.id), o.results.testCases.map((t) => t.id));

      // Every C&A call the provider made is traced to the find or view that caused it.
      liveTimeline = (await get(base, '/console/api/timeline')).body.entries;
      assert.equal(byPath(liveTimeline, 'CP-01'), ['pfs>provider POST /find', 'provider>ca POST /token', 'provider>ca POST /rreguri']);
      assert.equal(byPath(liveTimeline, 'CP-04').sort(), ['dashboard>ca POST /token', 'dashboard>provider GET /view-data/…', 'dashboard>provider GET /view-data/…', 'provider>ca POST /introspect', 'provider>ca POST /perm'].sort());
      assert.ok(liveTimeline.filter((e) => e.testCase === 'CP-01' && e.to === 'ca').every((e) => e.attributedBy === 'cause'));
      // The dashboard's RPT exchange is drawn once, though the C&A journals it as well.
      const requestIds = liveTimeline.map((e) => e.requestId).filter(Boolean);
      assert.is(new Set(requestIds).size, requestIds.length);
      assert.ok(liveTimeline.filter((e) => e.to === 'reporting').every((e) => e.scenario === 'reporting' && !e.testCase));

      // An exchange in full; an unknown one is a 404 problem.
      const introspect = liveTimeline.find((e) => e.path === '/introspect')!;
      const full = await get(base, `/console/api/exchanges/${introspect.seq}`);
      assert.is(full.status, 200);
      assert.match(String(full.body.requestHeaders.authorization), /^Bearer /);
      assert.is(full.body.responseBody.active, true);
      assert.is((await get(base, '/console/api/exchanges/999999')).status, 404);
      assert.is((await get(base, '/console/api/exchanges/zero')).status, 400);

      liveRegistrations = (await get(base, '/console/api/registrations')).body.registrations;
      assert.equal(liveRegistrations.map((r) => r.owner_user_id).sort(), ['CP01', 'IT02', 'IT02', 'IT02']);

      const runs = (await get(base, '/console/api/runs')).body.runs;
      assert.is(runs.length, 1);
      assert.is(runs[0].id, o.results.run.id);
      assert.equal(runs[0].summary, o.results.summary);
      assert.equal(runs[0].files.sort(), ['junit.xml', 'report.html', 'report.pdf', 'results.json']);
      const results = await get(base, `/console/api/runs/${o.results.run.id}/files/results.json`);
      assert.is(results.status, 200);
      assert.match(results.headers.get('content-disposition')!, /attachment/);
      assert.is(results.body.run.id, o.results.run.id);
      assert.is((await get(base, `/console/api/runs/${o.results.run.id}/files/secrets.txt`)).status, 400);
      assert.is((await get(base, '/console/api/runs/no-such-run/files/report.pdf')).status, 404);

      // The stream carried the run's events and its exchanges as they happened.
      // The last events are on their way: waited for (a few seconds at most), not assumed after a fixed pause.
      for (const until = Date.now() + 5000; !stream!.text().includes('"event":"run-end"') && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
      const text = stream!.text();
      stream!.stop();
      for (const e of ['"run-start"', '"test-start"', '"test-end"', '"run-end"']) assert.ok(text.includes(`"event":${e}`), e);
      const entries = text.split('\n').filter((l, i, all) => all[i - 1] === 'event: entry' && l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as TimelineEntry);
      assert.ok(entries.some((e) => e.path === '/find' && e.testCase === 'CP-01'));
      assert.ok(entries.length >= liveTimeline.length - 2, `${entries.length} entries streamed of ${liveTimeline.length}`);
    },
  });
  assert.is(outcome.exitCode, 0);

  // The same run, served from its recorded data with no simulator running.
  const served = await startConsole({ source: await recordedSource({ stateDir }) });
  try {
    const base = served.url.replace(/\/console\/$/, '');
    const overview = await get(base, '/console/api/overview');
    assert.equal(overview.body.source, { kind: 'recorded', label: `recorded run ${outcome.results.run.id}` });
    assert.equal(overview.body.run.summary, outcome.results.summary);
    // The same timeline; a call no token traces (the provider fetching the C&A's keys) is placed by
    // the run's own record, with the test case running when it started.
    const recordedTimeline: TimelineEntry[] = (await get(base, '/console/api/timeline')).body.entries;
    assert.equal(recordedTimeline.map((e) => e.seq), liveTimeline.map((e) => e.seq));
    recordedTimeline.forEach((e, i) => {
      const live = liveTimeline[i];
      if (live.testCase) assert.equal(e, live);
      else assert.equal({ ...e, testCase: undefined, scenario: undefined, attributedBy: undefined }, { ...live, testCase: undefined, scenario: undefined, attributedBy: undefined });
      if (!live.testCase && e.testCase) assert.is(e.attributedBy, 'recorded');
    });
    // Registrations rebuilt from the journal match the C&A's store.
    const registrations: ConsoleRegistration[] = (await get(base, '/console/api/registrations')).body.registrations;
    const key = (r: ConsoleRegistration) => `${r.name}|${r.resource_id}|${r.description}|${r.match_status}|${r.inbound_request_id}`;
    assert.equal(registrations.map(key).sort(), liveRegistrations.map(key).sort());
    assert.equal((await get(base, '/console/api/runs')).body.runs.map((r: { id: string }) => r.id), [outcome.results.run.id]);
    // A kept run opened from the Runs list: its test cases, its own journal's timeline, an exchange in full.
    const kept = `/console/api/runs/${outcome.results.run.id}`;
    assert.equal((await get(base, kept)).body.summary, outcome.results.summary);
    const keptTimeline: TimelineEntry[] = (await get(base, `${kept}/timeline`)).body.entries;
    assert.equal(keptTimeline.map((e) => e.seq), recordedTimeline.map((e) => e.seq));
    assert.is((await get(base, `${kept}/exchanges/${keptTimeline[0].seq}`)).body.seq, keptTimeline[0].seq);
    assert.is((await get(base, `${kept}/exchanges/999999`)).status, 404);
    assert.equal((await get(base, `${kept}/registrations`)).body.registrations.map(key).sort(), liveRegistrations.map(key).sort());
    assert.is((await get(base, '/console/api/runs/no-such-run')).status, 404);
    assert.is((await get(base, '/console/api/runs/no-such-run/timeline')).status, 404);
    assert.is((await get(base, '/console/api/runs/bad%20id/timeline')).status, 400);
    // The page and its files.
    const redirect = await get(base, '/console');
    assert.is(redirect.status, 301);
    assert.is(redirect.headers.get('location'), '/console/');
    const page = await get(base, '/console/');
    assert.is(page.status, 200);
    assert.match(page.type, /text\/html/);
    assert.match(page.body, /<script type="module" src="static\/console.js">/);
    for (const f of ['console.js', 'diagram.js', 'dom.js']) assert.match((await get(base, `/console/static/${f}`)).type, /javascript/);
    const escape = await get(base, '/console/static/%2e%2e/console-app.js');
    assert.ok(escape.status >= 400 && escape.status < 500, `a path out of the static folder is refused (${escape.status})`);
    // The admin API's control operations are not part of a recorded console.
    assert.is((await get(base, '/admin/status')).status, 501);
  } finally {
    await served.close();
  }
  assert.equal(contract.violations, []);
  assert.ok(contract.checked >= 12, `${contract.checked} answers checked against the document`);
});

test('recordedSource refuses a folder that holds no journal and no runs', async () => {
  try {
    await recordedSource({ stateDir: tempDir() });
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.match((err as Error).message, /neither a journal.ndjson nor a runs\/ folder/);
  }
});

test.run();
