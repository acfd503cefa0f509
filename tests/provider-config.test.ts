// The provider under test's configuration, and a rehearsal driven by one, as a user runs it:
// `cda-sim provider` in one process, `cda-sim rehearse --config …` in another.
import { test } from 'uvu';
import YAML from 'yaml';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadProviderConfig, EXAMPLE_CONFIG } from '../simulator/config/provider-config.js';
import { loadTestData } from '../simulator/testdata/records.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { CLI } from './helpers/spawn-sim.js';
import { freePort, spawnProvider } from './helpers/spawn-provider.js';

function write(name: string, text: string): string {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, text);
  return file;
}

function errorOf(fn: () => unknown): Error & { exitCode?: number } {
  try {
    fn();
  } catch (err) {
    return err as Error & { exitCode?: number };
  }
  throw new Error('expected an error');
}

test('`cda-sim init` writes an annotated example that loads as a valid config', () => {
  const cwd = tempDir();
  const r = spawnSync(process.execPath, [CLI, 'init'], { cwd, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const file = path.join(cwd, 'cda-sim.config.yaml');
  assert.is(fs.readFileSync(file, 'utf8'), EXAMPLE_CONFIG);
  assert.match(EXAMPLE_CONFIG, /# Where cda-sim, playing the pension finder service, POSTs find requests/);
  const cfg = loadProviderConfig(file);
  assert.is(cfg.provider.findUrl, 'https://localhost:9443/find');
  assert.is(cfg.budgets.registrationWindowMs, 60000);
  const again = spawnSync(process.execPath, [CLI, 'init'], { cwd, encoding: 'utf8' });
  assert.is(again.status, 2);
  assert.match(again.stderr, /already exists/);
});

test("the init config's top-level optional setting can be uncommented as written: specDir, without breaking simulator's block", () => {
  const uncommented = EXAMPLE_CONFIG.replace(/^# specDir: /m, 'specDir: ');
  assert.is.not(uncommented, EXAMPLE_CONFIG);
  const parsed = YAML.parse(uncommented);
  assert.is(parsed.specDir, './pdp-specs');
  assert.is(parsed.simulator.strict, true);
});

test('a bad config names every field at fault and exits 2', () => {
  const file = write(
    'cda-sim.config.json',
    JSON.stringify({ provider: { findUrl: 'ftp://x', viewUrl: 'https://p/view', holdernameGuids: ['not-a-guid'], viewTokenKey: { jwksUrl: 'https://p/jwks', pemFile: 'k.pem' }, colour: 'red' }, budgets: { findAckMs: 0 } }),
  );
  const err = errorOf(() => loadProviderConfig(file));
  assert.is(err.exitCode, 2);
  for (const field of ['provider.findUrl', 'provider.holdernameGuids[0]', 'provider.viewTokenKey', 'provider.colour', 'budgets.findAckMs']) assert.ok(err.message.includes(field), `${field} in ${err.message}`);
  assert.match(errorOf(() => loadProviderConfig(write('c.json', '{"provider": '))).message, /not valid JSON/);
  assert.match(errorOf(() => loadProviderConfig(write('c.yaml', 'provider: [unclosed'))).message, /not valid YAML/);
  assert.match(errorOf(() => loadProviderConfig(write('c.yaml', 'budgets: {}\n'))).message, /provider: is required/);
  assert.match(errorOf(() => loadProviderConfig('/nonexistent/cda-sim.config.json')).message, /does not exist.*cda-sim init/);
});

test('rehearse --config runs connection proving against a provider in another process', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const [httpsPort, httpPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const providerState = tempDir();
  const provider = await spawnProvider({ httpsPort, httpPort, certsDir, stateDir: providerState });
  try {
    const cfgFile = write(
      'cda-sim.config.yaml',
      [
        'provider:',
        '  name: reference provider in its own process',
        `  findUrl: ${provider.findUrl}`,
        `  viewUrl: ${provider.viewUrl}`,
        '  holdernameGuids:',
        ...loadTestData().holdernames.map((h) => `    - ${h.holdernameGuid}`),
        '  viewTokenKey:',
        `    jwksUrl: ${provider.jwksUrl}`,
        'simulator:',
        `  httpsPort: ${httpsPort}`,
        `  httpPort: ${httpPort}`,
        `  adminPort: ${adminPort}`,
        '',
      ].join('\n'),
    );
    const cwd = tempDir();
    const r = spawnSync(process.execPath, [CLI, 'rehearse', '--ci', '--scenario', 'connection-proving', '--config', cfgFile, '--certs-dir', certsDir, '--state-dir', path.join(cwd, 'state')], { cwd, encoding: 'utf8', timeout: 120000 });
    assert.is(r.status, 0, `${r.stdout}\n${r.stderr}\n--- provider ---\n${provider.output()}`);
    assert.match(r.stdout, /10 passed, 0 failed/);
    assert.match(r.stdout, /CP-06\s+The view returns signed, valid view data/);
    const resultsFile = /results: (\S+)/.exec(r.stdout)![1];
    const results = JSON.parse(fs.readFileSync(path.resolve(cwd, resultsFile), 'utf8'));
    assert.is(results.run.provider, 'reference provider in its own process');
  } finally {
    provider.stop();
  }
});

test('rehearse against a provider that is not running exits 3 (environment), naming the URL', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const [httpsPort, httpPort, adminPort, deadPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const cfgFile = write(
    'cda-sim.config.json',
    JSON.stringify({
      provider: { findUrl: `https://localhost:${deadPort}/find`, viewUrl: `https://localhost:${deadPort}/view-data`, holdernameGuids: [loadTestData().holdernames[0].holdernameGuid], viewTokenKey: { jwksUrl: `https://localhost:${deadPort}/jwks` } },
      simulator: { httpsPort, httpPort, adminPort },
    }),
  );
  const cwd = tempDir();
  const r = spawnSync(process.execPath, [CLI, 'rehearse', '--ci', '--config', cfgFile, '--certs-dir', certsDir, '--state-dir', path.join(cwd, 'state')], { cwd, encoding: 'utf8', timeout: 60000 });
  assert.is(r.status, 3, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`find endpoint https://localhost:${deadPort}/find cannot be reached \\(ECONNREFUSED\\)`));
});

test.run();
