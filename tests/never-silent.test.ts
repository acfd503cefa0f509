// Never silent, never waiting for nothing, from the outside: `cda-sim rehearse --ci` in a child
// process against the reference provider in its own process, over HTTPS + mTLS. A wait over 5 s
// says what it waits for and for how long; a failed --apply-updates command ends Stage 2's wait at
// once and names what was not applied; a view's line shows the status of each leg of the dance.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { freePort, ownProviderSection, spawnProvider, type SpawnedProvider } from './helpers/spawn-provider.js';
import { waitLines, waitText, WAIT_NOTICE_MS } from '../simulator/core/waiting.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';

async function withProvider(body: (p: SpawnedProvider, ports: { httpsPort: number; httpPort: number; adminPort: number }, certsDir: string) => Promise<void>) {
  const { dir: certsDir } = await sharedMaterial();
  const [httpsPort, httpPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const provider = await spawnProvider({ httpsPort, httpPort, certsDir, stateDir: tempDir() });
  try {
    await body(provider, { httpsPort, httpPort, adminPort }, certsDir);
  } finally {
    provider.stop();
  }
}

/** `== Integration Stage 2: 0:00:01 (1234 ms); …` → 1234 */
function phaseMs(out: string, phase: string): number {
  const m = new RegExp(`== ${phase}: \\S+ \\((\\d+) ms\\)`).exec(out);
  assert.ok(m, `no time for ${phase} in:\n${out}`);
  return Number(m![1]);
}

test('a failed --apply-updates command ends Stage 2’s wait at once and names the instructions not applied', async () => {
  await withProvider(async (provider, simulator, certsDir) => {
    const work = tempDir();
    const cfg = path.join(work, 'cda-sim.config.json');
    // The default 60-s update window: without the fix, Stage 2 would sit it out.
    fs.writeFileSync(cfg, JSON.stringify({ provider: ownProviderSection(provider), simulator }));
    const failing = `${JSON.stringify(process.execPath)} -e "process.exit(3)"`;
    const started = Date.now();
    const r = await cliProcess(['rehearse', '--ci', '--config', cfg, '--apply-updates', failing, '--only', 'S1-01', 'S2-01', 'S2-02', 'S2-03', 'S2-04', 'S2-05', 'S2-07', '--certs-dir', certsDir, '--state-dir', path.join(work, 'state')], work, {}, 90000);
    const out = `${r.stdout}\n${r.stderr}`;
    assert.is(r.code, 1, out);
    assert.match(out, /the --apply-updates command exited with 3; Stage 2 judges what reached the C&A without waiting for the rest/);
    const said = /the --apply-updates command exited with 3: Stage 2 does not wait for the updates; not applied: (.*)/.exec(out)?.[1] ?? '';
    for (const id of ['S2-01', 'S2-02', 'S2-03', 'S2-04', 'S2-05']) assert.ok(said.includes(`${id} (`), `${id} named in: ${said}`);
    assert.match(said, /S2-01 \(IT03 confirm-match: PATCH \/rreguri\//);
    assert.ok(phaseMs(out, 'Integration Stage 2') < 2000, `Stage 2 took ${phaseMs(out, 'Integration Stage 2')} ms`);
    assert.ok(Date.now() - started < 60000, 'the run did not sit out the 60-s update window');
    const results = JSON.parse(fs.readFileSync(/results: (\S+)/.exec(r.stdout)![1], 'utf8')) as RunResults;
    const s201 = results.testCases.find((t) => t.id === 'S2-01')!;
    assert.is(s201.verdict, 'fail');
    assert.match(s201.reasons.join(' '), /no PATCH \/rreguri\/\S+ \{"match_status":"match-yes"\} reached the C&A \(confirm-match\): the --apply-updates command exited with 3, so Stage 2 did not wait for it/);
    // The view of the match never confirmed fails, and says the C&A still holds it as possible: not as if it were confirmed.
    const s207 = results.testCases.find((t) => t.id === 'S2-07')!;
    assert.is(s207.verdict, 'fail');
    assert.match(s207.reasons.join(' '), /possibleMatch: .*\(the test data expects match-yes here; the C&A holds the PeI as match-possible\) \[POSSIBLE_MATCH_NOT_EXPECTED\]/);
  });
});

test('in CI a wait over 5 s says what it waits for and how long, every 10 s; a view line shows each leg’s status', async () => {
  await withProvider(async (provider, simulator, certsDir) => {
    const work = tempDir();
    const cfg = path.join(work, 'cda-sim.config.json');
    // A misconfigured holdername: the registrations the checks await never come, so the run waits the window out.
    const wrongHolder = '0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f';
    fs.writeFileSync(cfg, JSON.stringify({ provider: ownProviderSection(provider, { holdernameGuids: [wrongHolder] }), simulator, budgets: { registrationWindowMs: 16_500 } }));
    const r = await cliProcess(['rehearse', '--ci', '--config', cfg, '--stage1-only', '--only', 'CP-01', 'CP-02', 'CP-03', 'CP-04', '--certs-dir', certsDir, '--state-dir', path.join(work, 'state')], work, {}, 90000);
    const out = `${r.stdout}\n${r.stderr}`;
    assert.is(r.code, 1, out);
    const waits = out.split('\n').filter((l) => l.includes('waiting for'));
    // 5 s, then every 10 s: 5 and 15 of 16 (a second later when the machine is busy).
    assert.is(waits.length, 2, out);
    assert.match(waits[0], /^\s+waiting for CP01's registration: [56] s of 16 s$/);
    assert.match(waits[1], /^\s+waiting for CP01's registration: 1[56] s of 16 s$/);
    // CP-04 judges the first leg: its line shows that leg's 401, then the other legs.
    const cp04 = out.split('\n').findIndex((l) => l.includes('CP-04 A view without a token gets 401'));
    assert.ok(cp04 >= 0, out);
    assert.match(out.split('\n')[cp04 + 1], /^\s+view cpView \(\S+\): no token → \d{3}/);
  });
});

test('the wait lines: nothing under 5 s, then one line at once and one every 10 s; each wait on its own', () => {
  const lines: string[] = [];
  const listener = waitLines((l) => lines.push(l.trim()));
  const tick = (what: string, s: number) => listener({ what, elapsedMs: s * 1000, limitMs: 60_000 }, what);
  for (const s of [5, 6, 14, 15, 24, 25]) tick("IT03's registration", s);
  tick('the --apply-updates command to finish', 5);
  listener(undefined, "IT03's registration");
  tick("IT03's registration", 5);
  assert.equal(lines, ["waiting for IT03's registration: 5 s of 60 s", "waiting for IT03's registration: 15 s of 60 s", "waiting for IT03's registration: 25 s of 60 s", 'waiting for the --apply-updates command to finish: 5 s of 60 s', "waiting for IT03's registration: 5 s of 60 s"]);
  assert.is(waitText({ what: 'the --apply-updates command to finish', elapsedMs: 20_400 }), 'waiting for the --apply-updates command to finish: 20 s');
  assert.is(WAIT_NOTICE_MS, 5000);
});

test.run();
