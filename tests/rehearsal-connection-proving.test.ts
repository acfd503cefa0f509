// Connection proving end to end over real loopback sockets: cda-sim (C&A, PFS, dashboard) against
// the reference provider (HTTPS with mTLS both ways). The deliberately broken providers are played
// by defect-detection.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { rehearse } from './helpers/rehearse.js';
import type { ProviderFault } from '../simulator/provider/reference-provider.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import path from 'node:path';
import type { RunEvent } from '../simulator/scenarios/events.js';
import { listRuns, readRun } from '../simulator/runs/run-store.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

async function run(faults: ProviderFault[] = []): Promise<{ results: RunResults; exitCode: number; file: string; events: RunEvent[]; stateDir: string; reportsDir: string }> {
  const { dir } = await sharedMaterial();
  const events: RunEvent[] = [];
  const stateDir = tempDir();
  const reportsDir = tempDir();
  const { results, exitCode, resultsFile } = await rehearse({
    stateDir,
    certsDir: dir,
    reportsDir,
    referenceFaults: faults,
    // Connection proving alone (the later phases of the window have their own suites, stage-*.test.ts).
    scenarios: ['connection-proving'],
    progress: () => {},
    onEvent: (e) => events.push(e),
  });
  return { results, exitCode, file: resultsFile, events, stateDir, reportsDir };
}

const failing = (r: RunResults) => r.testCases.filter((t) => t.verdict !== 'pass').map((t) => t.id);
const reasonsOf = (r: RunResults, id: string) => r.testCases.find((t) => t.id === id)!.reasons.join(' | ');

test('the reference provider passes every connection-proving test case', async () => {
  const { results, exitCode, file, events, stateDir, reportsDir } = await run();
  assert.equal(failing(results), [], JSON.stringify(results.testCases.filter((t) => t.verdict !== 'pass'), null, 2));
  assert.is(exitCode, 0);
  assert.ok(results.summary.total >= 10);
  const ids = results.testCases.map((t) => t.id);
  for (const id of ['CP-01', 'CP-02', 'CP-03', 'CP-04', 'CP-05', 'CP-06', 'CP-07', 'CP-08', 'CP-09', 'CP-10']) assert.ok(ids.includes(id), id);
  // The reporting phase: the reference provider's own daily reports pass PDP's pipeline.
  for (const id of ['REP-01', 'REP-02', 'REP-03', 'REP-04', 'REP-05', 'REP-06', 'REP-07']) assert.ok(ids.includes(id), id);
  assert.match(results.testCases.find((t) => t.id === 'REP-03')!.reasons.join(), /req_count 5 equals the view requests cda-sim sent/);
  // The results are written as JSON with run metadata and correlated exchanges.
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as RunResults;
  assert.is(saved.run.profile, 'pdp-v2.0-reconstructed');
  assert.match(saved.run.configDigest, /^[0-9a-f]{16}$/);
  const cp03 = saved.testCases.find((t) => t.id === 'CP-03')!;
  assert.ok(cp03.exchanges.some((e) => e.path === '/rreguri' && e.status === 201), 'CP-03 cites the registration');
  const cp05 = saved.testCases.find((t) => t.id === 'CP-05')!;
  assert.ok(cp05.exchanges.some((e) => e.path === '/introspect'), 'CP-05 cites the introspection');
  // The run is kept in the state directory's run store, and its reports copied to --reports-dir.
  assert.is(path.dirname(file), path.join(stateDir, 'runs', results.run.id));
  assert.equal(listRuns(stateDir).map((r) => [r.id, r.state]), [[results.run.id, 'complete']]);
  assert.is(readRun(stateDir, results.run.id).summary.total, results.summary.total);
  assert.ok(fs.existsSync(path.join(reportsDir, results.run.id, 'report.pdf')));
  // Lifecycle events: run-start first, run-end last, and a test-start/test-end pair for every scenario test case.
  assert.is(events[0].type, 'run-start');
  assert.is(events.at(-1)!.type, 'run-end');
  const ended = events.filter((e) => e.type === 'test-end').map((e) => (e as Extract<RunEvent, { type: 'test-end' }>).result.id);
  assert.equal(ended, results.testCases.filter((t) => t.scenario !== 'reporting').map((t) => t.id));
  assert.is(events.filter((e) => e.type === 'test-start').length, ended.length);
  // Every phase of the window is announced, not only the scenario phases, each start with its end.
  const phases = (type: 'phase-start' | 'phase-end') => events.filter((e) => e.type === type).map((e) => (e as { phase: string }).phase);
  assert.equal(phases('phase-start'), ['clear-down', 'connection-proving', 'reporting']);
  assert.equal(phases('phase-end'), phases('phase-start'));
});

test.run();
