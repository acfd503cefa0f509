// The console tells the truth, in headless Chromium: exchanges drawn and listed in the order they
// started (a view above the /perm it caused), coloured by their test case's verdict rather than their
// HTTP status (an expected 401 is green, a failed case's exchanges red), run badges that say PASSED,
// FAILED or PAUSED with the count beside them, every kept run openable from the Runs list, hints in
// idle panels, and over a bundle (`inspect --console`, redacted tokens) every /perm under the test
// case whose view caused it. A screenshot is kept in tests/artefacts/console-truth.png.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { rehearse } from './helpers/rehearse.js';
import { startConsole } from '../simulator/console/console-app.js';
import { recordedSource } from '../simulator/console/source.js';
import { artefactPath, launchChromium } from './helpers/browser.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { withInspectConsole } from './helpers/inspect-console.js';
import { buildTimeline, recordedAttribution, type TimelineEntry } from '../simulator/console/timeline.js';
import { readResults, runDir } from '../simulator/runs/run-store.js';
import { readJournal, type JournalEntry } from '../simulator/store/journal.js';

interface Arrow {
  method: string;
  path: string;
  status: number;
  time: string;
  tone: string;
  fill: string;
}

async function diagramOf(page: Page, id: string): Promise<Arrow[]> {
  await page.click(`#test-cases li[data-test-case="${id}"] button`);
  await page.waitForSelector(`#diagram-title:text("${id}")`);
  return page.$$eval('#diagram g.arrow', (gs) =>
    gs.map((g) => ({
      method: g.getAttribute('data-method')!,
      path: g.getAttribute('data-path')!,
      status: Number(g.getAttribute('data-status')),
      time: g.getAttribute('data-time')!,
      tone: g.getAttribute('data-tone')!,
      fill: getComputedStyle(g.querySelector('text.status')!).fill,
    })),
  );
}

async function openKeptRun(page: Page, id: string): Promise<void> {
  await page.click(`#runs tr[data-run="${id}"] button.open-run`);
  await page.waitForSelector(`body[data-shown="${id}"]`, { timeout: 10000 });
}

const GREEN = 'rgb(26, 127, 55)';
const RED = 'rgb(198, 40, 40)';
const ascending = (times: string[]) => times.every((t, i) => i === 0 || times[i - 1] <= t);

test('console: start order, verdict colours, run badges, kept runs opened from the list, idle hints, a bundle’s /perm calls each with its own case', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const stateDir = tempDir();
  const base = { stateDir, certsDir, progress: () => {} };
  const passed = await rehearse({ ...base, scenarios: ['connection-proving'] });
  assert.is(passed.exitCode, 0);
  const failed = await rehearse({ ...base, scenarios: ['connection-proving'], referenceFaults: ['skip-introspection'] });
  assert.is(failed.exitCode, 1);
  const paused = await rehearse({ ...base, only: ['S1-01', 'S1-02', 'S2-01'], applyUpdates: { stop: true } });
  assert.is(paused.exitCode, 4);
  const ids = { passed: passed.results.run.id, failed: failed.results.run.id, paused: paused.results.run.id };

  const browser = await launchChromium();
  const page = await browser.context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  try {
    // Idle panels give hints: an empty state directory's console.
    const empty = await startConsole({ source: await recordedSourceOfNothing() });
    try {
      await page.goto(empty.url);
      await page.waitForSelector('body[data-ready="true"]');
      for (const panel of ['#test-cases', '#timeline', '#diagram', '#registrations', '#runs']) {
        assert.match((await page.textContent(panel))!, /\w{3,}.*\w{3,}/, `${panel} has a hint`);
      }
      assert.match((await page.textContent('#runs'))!, /No runs kept yet/);
      assert.match((await page.textContent('#timeline'))!, /No exchanges yet/);
    } finally {
      await empty.close();
    }

    const served = await startConsole({ source: await recordedSource({ stateDir }) });
    try {
      await page.goto(served.url);
      await page.waitForSelector('body[data-ready="true"]');
      // Badges: the verdict alone in the badge, in its own colour; the count beside it.
      const badges = await page.$$eval('#runs tbody tr', (trs) =>
        Object.fromEntries(trs.map((tr) => {
          const b = tr.querySelector('.run-badge')!;
          const style = getComputedStyle(b);
          return [tr.getAttribute('data-run'), { text: b.textContent, verdict: b.getAttribute('data-verdict'), bg: style.backgroundColor, fg: style.color, row: tr.textContent }];
        })),
      );
      assert.is(badges[ids.failed].text, 'FAILED');
      assert.is(badges[ids.failed].bg, RED);
      // Readable: white text on every badge.
      for (const id of Object.values(ids)) assert.is(badges[id].fg, 'rgb(255, 255, 255)', `${id} badge text colour`);
      assert.match(badges[ids.failed].row!, /FAILED \d+ of \d+ passed/);
      assert.is(badges[ids.paused].text, 'PAUSED');
      assert.not.equal(badges[ids.paused].bg, GREEN);
      assert.not.equal(badges[ids.paused].bg, RED);
      assert.is(badges[ids.passed].text, 'PASSED');
      assert.is(badges[ids.passed].bg, GREEN);

      // Any kept run opens from the list, with its own test cases and exchanges.
      await openKeptRun(page, ids.passed);
      const header = (await page.textContent('#run-state'))!;
      assert.ok(new RegExp(`run ${ids.passed}: PASSED \\d+ of \\d+ passed`).test(header), header);
      const groups = await page.$$eval('#timeline details.group', (ds) => ds.map((d) => [...d.querySelectorAll('li.entry')].map((li) => li.getAttribute('data-time')!)));
      assert.ok(groups.length >= 4);
      for (const times of groups) assert.ok(ascending(times), `listed in start order: ${times.join(', ')}`);

      // CP-04: the view without a token (401, as the case expects) is green and drawn before the /perm it caused.
      const cp04 = await diagramOf(page, 'CP-04');
      assert.ok(ascending(cp04.map((a) => a.time)), 'drawn in start order');
      const challenged = cp04.findIndex((a) => a.method === 'GET' && a.path.startsWith('/view-data/') && a.status === 401);
      const perm = cp04.findIndex((a) => a.path === '/perm');
      assert.ok(challenged >= 0 && perm > challenged, `the 401 view leg (${challenged}) above its /perm (${perm})`);
      assert.is(cp04[challenged].tone, 'pass');
      assert.is(cp04[challenged].fill, GREEN);
      await page.screenshot({ path: artefactPath('console-truth.png'), fullPage: true });

      // Its registrations are its own, rebuilt from its journal: CP01's and IT02's PeIs.
      const passedRegistrations = (await page.$$('#registrations tbody tr')).length;
      assert.ok(passedRegistrations >= 4, `${passedRegistrations} registrations`);
      // A failed run: the failed case's exchanges are red whatever their status.
      await openKeptRun(page, ids.failed);
      assert.match((await page.textContent('#run-state'))!, /FAILED/);
      const verdicts = await page.$$eval('#test-cases li[data-test-case]', (lis) => Object.fromEntries(lis.map((li) => [li.getAttribute('data-test-case'), li.querySelector('.verdict')?.textContent])));
      const failedCase = Object.keys(verdicts).find((id) => verdicts[id] === 'fail' && id.startsWith('CP-0'))!;
      assert.ok(failedCase, JSON.stringify(verdicts));
      const red = (await diagramOf(page, failedCase)).filter((a) => a.tone === 'fail');
      assert.ok(red.length > 0 && red.every((a) => a.fill === RED), `${failedCase}: red arrows ${JSON.stringify(red)}`);

      // Back to the console's own run.
      await page.click('#back');
      await page.waitForSelector(`body[data-shown="${ids.paused}"]`);
      assert.match((await page.textContent('#run-state'))!, /PAUSED/);
      // The paused run's Stage 1 finds registered every test user's pensions: more than CP's.
      assert.ok((await page.$$('#registrations tbody tr')).length > passedRegistrations);
    } finally {
      await served.close();
    }

    // A bundle of the passing run: tickets and RPTs are redacted, yet each /perm sits with its own view.
    const work = tempDir();
    const exported = await cliProcess(['export', ids.passed, '--out', 'run.tar.gz', '--state-dir', stateDir], work);
    assert.is(exported.code, 0, exported.stderr);
    const inspected = await withInspectConsole(path.join(work, 'run.tar.gz'), async (url) => {
      await page.goto(url);
      await page.waitForSelector('body[data-run="finished"]', { timeout: 15000 });
      const perGroup = await page.$$eval('#timeline details.group', (ds) =>
        ds.map((d) => {
          const lines = [...d.querySelectorAll('li.entry')].map((li) => li.textContent ?? '');
          return { id: d.getAttribute('data-test-case'), perms: lines.filter((l) => /POST \/perm/.test(l)).length, challenges: lines.filter((l) => /GET \/view-data\/\S+ 401/.test(l)).length };
        }),
      );
      const withPerm = perGroup.filter((g) => g.perms > 0);
      assert.ok(withPerm.length >= 2, `the /perm calls spread over their cases: ${JSON.stringify(perGroup)}`);
      for (const g of perGroup) assert.is(g.perms, g.challenges, `${g.id}: one /perm per challenged view leg: ${JSON.stringify(perGroup)}`);
    });
    assert.is(inspected.code, 0, inspected.output);
    assert.equal(pageErrors, []);
  } finally {
    await browser.close();
  }
});

test('the recorded correlation puts each /perm with the view that caused it even when every ticket looks alike', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const stateDir = tempDir();
  const run = await rehearse({ stateDir, certsDir, progress: () => {}, scenarios: ['connection-proving'] });
  const dir = runDir(stateDir, run.results.run.id);
  // Every ticket (a compact JWE: five parts) made one and the same, as a careless redaction would.
  const JWE = /[\w-]{10,}\.[\w-]*\.[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/g;
  const entries = (await readJournal(path.join(dir, 'journal.ndjson'))).map((e) => JSON.parse(JSON.stringify(e).replace(JWE, '[redacted:ticket]')) as JournalEntry);
  assert.ok(entries.some((e) => e.path === '/perm' && JSON.stringify(e.responseBody).includes('[redacted:ticket]')), 'the tickets were replaced');
  /** The test case of the challenged view leg each /perm followed. */
  const owners = (timeline: TimelineEntry[]) =>
    timeline.filter((e) => e.path === '/perm').map((p) => {
      const view = timeline.filter((v) => v.role === 'dashboard' && v.path.startsWith('/view-data/') && v.status === 401 && v.time <= p.time).pop();
      return [p.testCase, view?.testCase];
    });
  const timeline = buildTimeline(entries, recordedAttribution(readResults(dir)!.testCases, entries));
  const recorded = owners(timeline);
  assert.ok(recorded.length >= 2);
  for (const [perm, view] of recorded) assert.is(perm, view);
  // No alike ticket was taken as proof: those /perm calls were placed by the run's own record.
  assert.ok(timeline.filter((e) => e.path === '/perm').every((e) => e.attributedBy === 'recorded'));
});

/** A console over an empty state directory: no journal, no runs. */
async function recordedSourceOfNothing() {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'runs'));
  return recordedSource({ stateDir: dir });
}

test.run();
