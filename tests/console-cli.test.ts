// The console from the command line, as a user opens it: `start` prints its URL; `rehearse
// --console` prints it, keeps the simulator up after the run until Ctrl+C; with --ci it never waits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { CLI, spawnSim } from './helpers/spawn-sim.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

test('start prints the web console URL, and the console shows the live simulator', async () => {
  const { dir } = await sharedMaterial();
  const sim = await spawnSim(['--state-dir', tempDir(), '--certs-dir', dir, '--https-port', '-1', '--http-port', '0', '--admin-port', '0']);
  try {
    const url = /web console:\s+(\S+)/.exec(sim.output())?.[1];
    assert.is(url, `${sim.admin}/console/`);
    const page = await fetch(url!);
    assert.is(page.status, 200);
    assert.match(await page.text(), /cda-sim console/);
    const overview = (await (await fetch(`${url}api/overview`)).json()) as { source: { kind: string }; run?: unknown };
    assert.is(overview.source.kind, 'live');
    assert.is(overview.run, undefined);
  } finally {
    assert.is(await sim.stop('SIGINT'), 0);
  }
});

/** Run `cda-sim rehearse` with args; `whenUp` is called once the output says the console stays up. */
function rehearseCli(args: string[], whenUp?: (url: string, stop: () => void) => Promise<void>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [CLI, 'rehearse', ...args], { cwd: tempDir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let called = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
  const onData = (d: Buffer) => {
    out += d;
    const url = /stay up: (\S+)/.exec(out)?.[1];
    if (url && whenUp && !called) {
      called = true;
      whenUp(url, () => child.kill('SIGINT')).catch((err) => {
        out += `\nTEST FAILURE: ${(err as Error).stack}`;
        child.kill('SIGINT');
      });
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    }),
  );
}

test('rehearse --console keeps the simulator and console up after the run until Ctrl+C', async () => {
  const { dir } = await sharedMaterial();
  let seen: { state?: string; passed?: number } = {};
  const { code, out } = await rehearseCli(['--console', '--scenario', 'connection-proving', '--state-dir', tempDir(), '--certs-dir', dir], async (url, stop) => {
    const overview = (await (await fetch(`${url}api/overview`)).json()) as { run: { state: string; summary: { passed: number } } };
    seen = { state: overview.run.state, passed: overview.run.summary.passed };
    stop();
  });
  assert.not.match(out, /TEST FAILURE/, out);
  assert.match(out, /web console: http:\/\/(localhost|127\.0\.0\.1):\d+\/console\//);
  assert.match(out, /Press Ctrl\+C to stop/);
  // The summary is printed before the wait, once.
  assert.is(out.split('passed, 0 failed').length - 1, 1, out);
  assert.equal(seen, { state: 'finished', passed: 17 });
  assert.is(code, 0, out);
});

test('rehearse --console --ci shows the console during the run and never waits', async () => {
  const { dir } = await sharedMaterial();
  const { code, out } = await rehearseCli(['--console', '--ci', '--scenario', 'connection-proving', '--state-dir', tempDir(), '--certs-dir', dir]);
  assert.match(out, /web console: http:\/\/(localhost|127\.0\.0\.1):\d+\/console\//);
  assert.not.match(out, /Press Ctrl\+C/);
  assert.is(code, 0, out);
});

test.run();
