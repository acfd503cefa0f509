// Usage errors stop before anything happens: an unknown option, a bad value, a missing argument or
// a mistyped id in the expected-failures list exits 2 with nothing touched: no file in the state or
// certs directory created or changed, no server started, nothing sent to the provider.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tempDir } from './helpers/fixtures.js';
import { CLI } from './helpers/spawn-sim.js';
import { cliProcess } from './helpers/cli-process.js';
import { freePort } from './helpers/spawn-provider.js';

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file and folder under a directory with its size and modification time: any change shows. */
function listing(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((f) => {
    const st = fs.statSync(path.join(dir, f));
    return `${f} ${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`;
  });
}

/** A working folder with a state directory holding an earlier run and a config naming a provider we listen for. */
async function workspace() {
  const cwd = tempDir();
  const state = path.join(cwd, 'state');
  fs.mkdirSync(path.join(state, 'runs', '20260101T000000Z-aaaaaaaa'), { recursive: true });
  fs.writeFileSync(path.join(state, 'runs', '20260101T000000Z-aaaaaaaa', 'results.json'), '{"kept":"as it was"}');
  fs.writeFileSync(path.join(state, 'journal.ndjson'), '');
  // The "provider": any connection to it means cda-sim went ahead and played something.
  let connections = 0;
  const provider = net.createServer((s) => (connections++, s.destroy()));
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  const port = (provider.address() as net.AddressInfo).port;
  const [httpsPort, httpPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const cfg = path.join(cwd, 'cda-sim.config.json');
  fs.writeFileSync(cfg, JSON.stringify({ provider: { findUrl: `https://127.0.0.1:${port}/find`, viewUrl: `https://127.0.0.1:${port}/view-data`, holdernameGuids: ['d70f7b57-5fbc-46a9-8cf4-a97cb7cd67d3'], viewTokenKey: { jwksUrl: `https://127.0.0.1:${port}/jwks` } }, simulator: { httpsPort, httpPort, adminPort } }));
  const dirs = ['--state-dir', state, '--certs-dir', path.join(cwd, 'certs')];
  return { cwd, state, cfg, dirs, adminPort, connections: () => connections, close: () => provider.close() };
}

/** Exit 2 with the message, and nothing touched: state and certs as they were, no server, no call to the provider. */
async function refusedUntouched(w: Awaited<ReturnType<typeof workspace>>, args: string[], message: RegExp) {
  const before = listing(w.cwd);
  const r = await cliProcess(args, w.cwd, {}, 30000);
  const all = `${r.stdout}\n${r.stderr}`;
  assert.is(r.code, 2, `${args.join(' ')}\n${all}`);
  assert.match(r.stderr, message);
  assert.not.match(all, /clear-down|C&A:|is running|\n\s+at /, 'no phase played, no server announced, no stack trace');
  assert.equal(listing(w.cwd), before, `${args.join(' ')}: nothing created or changed`);
  assert.is(w.connections(), 0, 'nothing was sent to the provider');
  // The admin port the config names is free: no simulator is up (or was left up).
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(w.adminPort, '127.0.0.1', resolve));
  await new Promise((resolve) => probe.close(resolve));
}

test('a misspelt option (rehearse --expected-failure x) exits 2 before anything is touched or started', async () => {
  const w = await workspace();
  try {
    await refusedUntouched(w, ['rehearse', '--ci', '--config', w.cfg, ...w.dirs, '--expected-failure', 'x'], /unknown argument: --expected-failure \(did you mean --expected-failures\?\)/);
    await refusedUntouched(w, ['rehearse', '--ci', '--config', w.cfg, ...w.dirs, '--window-minutes', 'soon'], /--window-minutes: must be a number/);
    await refusedUntouched(w, ['rehearse', '--ci', '--config', w.cfg, ...w.dirs, '--compat', 'harness'], /Invalid values/);
    await refusedUntouched(w, ['rehearse', '--ci', '--config', w.cfg, ...w.dirs, '--concurrency', '0'], /--concurrency: must be a whole number of groups of test cases, 1–32, not 0/);
    await refusedUntouched(w, ['rehearse', '--ci', '--config', w.cfg, ...w.dirs, '--scenario', 'stage3'], /--scenario: no scenario "stage3" \(did you mean stage1\?\)/);
  } finally {
    w.close();
  }
});

test('an expected-failures list naming an id no scenario knows: exit 2 with a did-you-mean, before anything runs', async () => {
  const w = await workspace();
  try {
    fs.writeFileSync(path.join(w.cwd, 'known.txt'), 'CP-03\nCP-3   # mistyped\nS1-O2\nSYS-05a\nZZZ-99\n');
    const message = /known\.txt lists test id\(s\) that match no test case of any scenario:\n\s+CP-3: did you mean CP-03\?\n\s+S1-O2: did you mean S1-02\?\n\s+ZZZ-99$/m;
    await refusedUntouched(w, ['rehearse', '--ci', '--config', w.cfg, ...w.dirs, '--expected-failures', 'known.txt'], message);
    await refusedUntouched(w, ['stage2', '--ci', ...w.dirs, '--expected-failures', 'known.txt'], message);
  } finally {
    w.close();
  }
});

test('every command refuses an unknown option with exit 2 and touches nothing; testdata without --out exits 2 cleanly', () => {
  const cwd = tempDir();
  const state = path.join(cwd, 'state');
  fs.mkdirSync(state);
  fs.writeFileSync(path.join(state, 'journal.ndjson'), '');
  const before = listing(cwd);
  const dirs = ['--state-dir', state, '--certs-dir', path.join(cwd, 'certs')];
  const commands = [['rehearse'], ['stage2'], ['testdata', '--out', 'pack'], ['start'], ['provider'], ['init'], ['reporting', 'verify'], ['certs', 'show'], ['token', 'user', 'CP01'], ['users'], ['reset'], ['journal'], ['runs'], ['export', 'latest'], ['inspect', 'x.tar.gz'], ['replay', 'x.tar.gz']];
  for (const c of commands) {
    const r = run([...c, ...dirs, '--no-such-option'], cwd);
    assert.is(r.code, 2, `${c.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /unknown arguments?: (.*, )?--no-such-option/, c.join(' '));
    assert.equal(listing(cwd), before, `${c.join(' ')} touched nothing`);
  }
  const noOut = run(['testdata'], cwd);
  assert.is(noOut.code, 2);
  assert.match(noOut.stderr, /Missing required argument: out/);
  assert.not.match(noOut.stderr, /TypeError|\n\s+at /);
  const nan = run(['runs', ...dirs, '--limit', 'many'], cwd);
  assert.is(nan.code, 2);
  assert.match(nan.stderr, /--limit: must be a number/);
  assert.equal(listing(cwd), before);
});

test.run();
