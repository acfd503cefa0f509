// Soaks run apart (as on several CI runners) added up by `cda-sim soak --merge`, as a user runs it:
// the merged histograms hold every exchange of both soaks, so each percentile is of all their
// traffic; counts and availability are summed; thresholds judge the sum; bad inputs exit 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { STAGES } from '../simulator/scenarios/soak-figures.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';

const resultsFile = (cwd: string, stdout: string) => path.resolve(cwd, /results: (\S+results\.json)/.exec(stdout)![1]);
const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as RunResults;

test('two soaks merged: every count summed, the histograms added, thresholds judged on the sum', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const files: string[] = [];
  for (const rate of ['3/s', '5/s']) {
    const r = await cliProcess(['soak', '--ci', '--duration', '2s', '--rate', rate, '--state-dir', 'state', '--certs-dir', certsDir], cwd, {}, 90000);
    assert.is(r.code, 0, r.stdout + r.stderr);
    files.push(resultsFile(cwd, r.stdout));
  }
  const parts = files.map((f) => read(f).soak!);
  const m = await cliProcess(['soak', '--merge', ...files, '--state-dir', 'state', '--slo', 'availability>=99.5%', '--slo', 'view:max<0.01ms'], cwd);
  assert.is(m.code, 1, m.stdout + m.stderr);
  const merged = read(resultsFile(cwd, m.stdout));
  const f = merged.soak!;
  assert.equal(f.mergedFrom, files.map((file) => read(file).run.id));
  assert.is(f.sent.finds, parts[0].sent.finds + parts[1].sent.finds);
  assert.is(f.sent.views, parts[0].sent.views + parts[1].sent.views);
  assert.is(f.availability.total, parts[0].availability.total + parts[1].availability.total);
  for (const s of STAGES) {
    assert.is(f.stages[s].count, parts[0].stages[s].count + parts[1].stages[s].count, s);
    // The merged histogram holds every latency of both.
    const h = hdr.decodeFromCompressedBase64(f.stages[s].histogram!, 'packed');
    assert.is(h.totalCount, parts[0].stages[s].ok + parts[1].stages[s].ok, s);
    // Within the histograms' three significant digits (a merged maximum is its bucket's highest value).
    const max = Math.max(parts[0].stages[s].max, parts[1].stages[s].max);
    assert.ok(Math.abs(f.stages[s].max - max) <= max * 0.001 + 0.001, `${s}: max ${f.stages[s].max}, the parts' ${max}`);
    assert.ok(f.stages[s].p50 >= Math.min(parts[0].stages[s].p50, parts[1].stages[s].p50) && f.stages[s].p50 <= Math.max(parts[0].stages[s].p50, parts[1].stages[s].p50), s);
  }
  assert.equal(merged.testCases.map((t) => [t.id, t.verdict]), [['availability>=99.5%', 'pass'], ['view:max<0.01ms', 'fail']]);
  assert.match(m.stdout, /merged from 2 soaks/);
  assert.match(fs.readFileSync(path.join(path.dirname(resultsFile(cwd, m.stdout)), 'report.html'), 'utf8'), /Merged from 2 soaks run apart/);
});

test('--merge needs two soaks\' results, and runs no soak of its own: usage errors naming the file or option', async () => {
  const cwd = tempDir();
  fs.writeFileSync(path.join(cwd, 'not-a-soak.json'), JSON.stringify({ run: { id: 'x' }, testCases: [] }));
  const cases: [string[], RegExp][] = [
    [['--merge', 'not-a-soak.json'], /--merge: give the results\.json of two soaks or more, not 1/],
    [['--merge', 'not-a-soak.json', 'not-a-soak.json'], /--merge: not-a-soak\.json is not a soak's results/],
    [['--merge', 'missing.json', 'not-a-soak.json'], /--merge: missing\.json cannot be read/],
    [['--merge', 'a.json', 'b.json', '--rate', '5/s'], /--merge and --rate: --merge runs no soak/],
  ];
  for (const [args, message] of cases) {
    const r = await cliProcess(['soak', '--state-dir', 'state', ...args], cwd);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.not.ok(fs.existsSync(path.join(cwd, 'state')), `${args.join(' ')}: nothing is touched`);
  }
});

test.run();
