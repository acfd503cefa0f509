// The command line's manners, from the outside: -h and -v, a did-you-mean for a misspelt command,
// option or scenario, the scenario names in --help, --version loading no command module, and one
// JSON convention (NDJSON) for every --json list.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { tempDir } from './helpers/fixtures.js';
import { CLI } from './helpers/spawn-sim.js';
import { COMMANDS } from '../simulator/cli/command-list.js';
import { scenarioNames } from '../simulator/scenarios/names.js';
import { packageVersion } from '../simulator/core/paths.js';

function run(args: string[], nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [...nodeArgs, CLI, ...args], { cwd: tempDir(), encoding: 'utf8', timeout: 30000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('-h is --help and -v is --version: exit 0, nothing on stderr', () => {
  const h = run(['-h']);
  assert.is(h.code, 0, h.stderr);
  assert.is(h.stderr, '');
  for (const e of COMMANDS) assert.ok(h.stdout.includes(`cda-sim ${e.command}`), `--help lists ${e.command}`);
  assert.equal(h.stdout, run(['--help']).stdout);
  const v = run(['-v']);
  assert.is(v.code, 0, v.stderr);
  assert.is(v.stderr, '');
  assert.is(v.stdout.trim(), packageVersion());
  assert.is(run(['rehearse', '-h']).code, 0);
});

test('a misspelt command, option or scenario: exit 2 with the nearest name', () => {
  const command = run(['rehersae']);
  assert.is(command.code, 2);
  assert.match(command.stderr, /unknown command: rehersae \(did you mean rehearse\?\)/);
  const option = run(['runs', '--jsn']);
  assert.is(option.code, 2);
  assert.match(option.stderr, /unknown argument: --jsn \(did you mean --json\?\)/);
  const two = run(['rehearse', '--scenaro', 'x', '--confg', 'y']);
  assert.is(two.code, 2);
  assert.match(two.stderr, /--scenaro \(did you mean --scenario\?\), --confg \(did you mean --config\?\)/);
  const both = run(['rehersal', '--jsn']);
  assert.is(both.code, 2);
  assert.match(both.stderr, /unknown command: rehersal \(did you mean rehearse\?\); unknown argument: --jsn\n/);
  const nothingNear = run(['runs', '--zzzzzzzz']);
  assert.is(nothingNear.code, 2);
  assert.match(nothingNear.stderr, /unknown argument: --zzzzzzzz\n/);
  const scenario = run(['rehearse', '--scenario', 'stage3', '--state-dir', 'state']);
  assert.is(scenario.code, 2, scenario.stdout);
  assert.match(scenario.stderr, /--scenario: no scenario "stage3" \(did you mean stage1\?\); the scenarios are connection-proving, oat, stage1, stage2, system-test/);
  assert.not.match(scenario.stderr, /looked for|\/scenarios\//, 'no internal path');
  const far = run(['rehearse', '--scenario', 'nosuch', '--state-dir', 'state']);
  assert.is(far.code, 2);
  assert.match(far.stderr, /no scenario "nosuch"; the scenarios are /);
});

test('rehearse --help lists the scenario names', () => {
  const names = scenarioNames();
  assert.equal(names, ['connection-proving', 'oat', 'stage1', 'stage2', 'system-test']);
  const h = run(['rehearse', '--help']).stdout.replace(/\s+/g, ' ');
  assert.match(h, `--scenario Scenario names (${names.join(', ')})`);
});

test('--version and --help import no command module, and a command’s --help not what it runs (they load lazily)', () => {
  const dir = tempDir();
  const log = path.join(dir, 'modules.log');
  fs.writeFileSync(path.join(dir, 'hooks.mjs'), `import fs from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); fs.appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`);
  fs.writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`);
  const importing = ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href];
  for (const args of [['--version'], ['--help'], ['nosuch']]) {
    fs.rmSync(log, { force: true });
    const r = run(args, importing);
    assert.is(r.code, args[0] === 'nosuch' ? 2 : 0, r.stderr);
    const loaded = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    assert.ok(loaded.some((u) => u.endsWith('/cli/main.js')), 'the hook saw the CLI load');
    const heavy = loaded.filter((u) => /\/cli\/commands\/|\/rehearsal\/|\/server\/|\/crypto\/|node_modules\/(express|node-jose|pdfkit|openapi-backend)\//.test(u));
    assert.equal(heavy, [], `${args.join(' ')} loaded ${heavy.join(', ')}`);
  }
  // A command's --help loads that command's options, not what it runs (no server, no crypto, no reports).
  for (const command of ['rehearse', 'stage2', 'replay', 'inspect', 'export', 'reporting', 'runs', 'journal', 'users', 'start', 'provider']) {
    fs.rmSync(log, { force: true });
    const r = run([command, '--help'], importing);
    assert.is(r.code, 0, r.stderr);
    const loaded = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const heavy = loaded.filter((u) => /\/rehearsal\/rehearse\.js|\/server\/|\/crypto\/|\/reports\/(pdf|html)\.js|node_modules\/(express|node-jose|pdfkit|openapi-backend)\//.test(u));
    assert.equal(heavy, [], `${command} --help loaded ${heavy.join(', ')}`);
  }
  // The run of one command loads that command alone.
  fs.rmSync(log, { force: true });
  assert.is(run(['users'], importing).code, 0);
  const commands = fs.readFileSync(log, 'utf8').split('\n').filter((u) => u.includes('/cli/commands/'));
  assert.equal([...new Set(commands.map((u) => path.basename(u)))], ['users.js']);
});

test('the command list says of each command what its module says', async () => {
  for (const e of COMMANDS) {
    const m = await e.load();
    assert.is(m.command, e.command);
    assert.is(m.describe, e.describe);
  }
});

test('every --json list is NDJSON: one object a line', () => {
  const users = run(['users', '--json']);
  assert.is(users.code, 0, users.stderr);
  const lines = users.stdout.trim().split('\n');
  assert.ok(lines.length > 30);
  for (const l of lines) assert.type(JSON.parse(l).id, 'string');
});

test.run();
