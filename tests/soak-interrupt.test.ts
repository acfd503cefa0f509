// Ctrl+C during a soak, from the outside: SIGINT to `cda-sim soak --ci` in a child process. It stops
// sending at once, awaits what is in flight briefly, keeps the figures of what it sent in a run
// marked INTERRUPTED, and exits 130.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { CLI } from './helpers/spawn-sim.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';

test('Ctrl+C: no more finds, the figures of what was sent kept, INTERRUPTED, exit 130', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const child = spawn(process.execPath, [CLI, 'soak', '--ci', '--duration', '60s', '--rate', '5/s', '--state-dir', 'state', '--certs-dir', certsDir], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sentAt = 0;
  child.stdout.on('data', (d) => {
    stdout += d;
    // Two seconds into the soak, Ctrl+C.
    if (!sentAt && /^soak: 5\/s for 1m/m.test(stdout)) {
      sentAt = Date.now();
      setTimeout(() => child.kill('SIGINT'), 2000);
    }
  });
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(killer);
  assert.is(code, 130, stdout + stderr);
  assert.ok(Date.now() - sentAt < 20000, 'it stopped within seconds, not at the end of the minute');
  assert.match(stderr, /interrupted \(Ctrl\+C\)/);
  const file = path.resolve(cwd, /results: (\S+results\.json)/.exec(stdout)![1]);
  const results = JSON.parse(fs.readFileSync(file, 'utf8')) as RunResults;
  assert.is(results.run.status, 'interrupted');
  assert.match(results.run.stopReason ?? '', /^INTERRUPTED \(Ctrl\+C\) after \d+ s of 60 s/);
  // About two seconds of finds at 5/s: sent, answered and counted; none after the interruption.
  const sent = results.soak!.sent.finds;
  assert.ok(sent >= 5 && sent <= 25, `finds sent: ${sent}`);
  assert.is(results.soak!.stages['find-ack'].count, sent);
  assert.match(stdout, /INTERRUPTED/);
});

test.run();
