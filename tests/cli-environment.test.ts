// CDA_SIM_* variables, as a user's shell or CI sets them: each command takes only the variables of
// its own options (a flag still wins), a bad value is refused naming the variable, and the variables
// cda-sim sets for the commands it runs never break a nested `cda-sim` call. For `rehearse`'s ports
// the documented precedence is: flag > variable > config file > default.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { freePort } from './helpers/spawn-provider.js';
import { CHILD_VARIABLES } from '../simulator/cli/environment.js';

test('variables of options a command does not have, and those cda-sim sets for its child commands, are ignored', async () => {
  const cwd = tempDir();
  const env = { CDA_SIM_HTTPS_PORT: '9443', CDA_SIM_NO_SUCH_OPTION: 'x', ...Object.fromEntries(CHILD_VARIABLES.map((v) => [v, 'set by a parent cda-sim'])) };
  const r = await cliProcess(['init', '--out', 'a.yaml'], cwd, env);
  assert.is(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(cwd, 'a.yaml')));
});

test("a variable sets its command's option; a flag wins over it", async () => {
  const cwd = tempDir();
  assert.is((await cliProcess(['init'], cwd, { CDA_SIM_OUT: 'from-env.yaml' })).code, 0);
  assert.ok(fs.existsSync(path.join(cwd, 'from-env.yaml')));
  assert.is((await cliProcess(['init', '--out', 'from-flag.yaml'], cwd, { CDA_SIM_OUT: 'ignored.yaml' })).code, 0);
  assert.ok(fs.existsSync(path.join(cwd, 'from-flag.yaml')));
  assert.not.ok(fs.existsSync(path.join(cwd, 'ignored.yaml')));
});

test('a bad value is a usage error naming the variable and its option', async () => {
  const cwd = tempDir();
  const bool = await cliProcess(['init'], cwd, { CDA_SIM_FORCE: 'maybe' });
  assert.is(bool.code, 2);
  assert.match(bool.stderr, /^cda-sim: CDA_SIM_FORCE \(for --force\): must be true or false, not "maybe"$/m);
  const num = await cliProcess(['start', '--state-dir', 'st'], cwd, { CDA_SIM_HTTPS_PORT: 'high' });
  assert.is(num.code, 2);
  assert.match(num.stderr, /CDA_SIM_HTTPS_PORT \(for --https-port\): must be a number, not "high"/);
  assert.not.ok(fs.existsSync(path.join(cwd, 'st')), 'nothing touched');
});

test("rehearse's C&A port: --https-port over CDA_SIM_HTTPS_PORT over the config's simulator.httpsPort", async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [fromConfig, fromEnv, fromFlag, nobody] = [...ports];
  // A provider that is not there: the run stops (exit 3) once the C&A is up and has said where.
  const config = {
    provider: { findUrl: `https://localhost:${nobody}/find`, viewUrl: `https://localhost:${nobody}/view-data`, holdernameGuids: ['3f9a6a3e-1d2b-4c8e-9f10-2a6b7c8d9e01'], viewTokenKey: { jwksUrl: `https://localhost:${nobody}/jwks` } },
    simulator: { httpsPort: fromConfig, httpPort: 0, adminPort: 0 },
  };
  fs.writeFileSync(path.join(cwd, 'own.json'), JSON.stringify(config));
  const caPort = async (env: NodeJS.ProcessEnv, ...flags: string[]) => {
    const r = await cliProcess(['rehearse', '--ci', '--config', 'own.json', '--scenario', 'connection-proving', '--certs-dir', certsDir, ...flags], cwd, env);
    assert.is(r.code, 3, `${r.stdout}\n${r.stderr}`);
    return Number(/^C&A: https:\/\/localhost:(\d+)/m.exec(r.stdout)?.[1]);
  };
  assert.is(await caPort({}), fromConfig);
  assert.is(await caPort({ CDA_SIM_HTTPS_PORT: String(fromEnv) }), fromEnv);
  assert.is(await caPort({ CDA_SIM_HTTPS_PORT: String(fromEnv) }, '--https-port', String(fromFlag)), fromFlag);
});

test("the config's simulator.httpPort and adminPort of -1 turn those listeners off, as the flags' -1 does", async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const [https, nobody] = [await freePort(), await freePort()];
  const config = {
    provider: { findUrl: `https://localhost:${nobody}/find`, viewUrl: `https://localhost:${nobody}/view-data`, holdernameGuids: ['3f9a6a3e-1d2b-4c8e-9f10-2a6b7c8d9e01'], viewTokenKey: { jwksUrl: `https://localhost:${nobody}/jwks` } },
    simulator: { httpsPort: https, httpPort: -1, adminPort: -1 },
  };
  fs.writeFileSync(path.join(cwd, 'own.json'), JSON.stringify(config));
  // The provider is not there: with the listeners off the C&A still starts and the run stops on that (exit 3).
  const r = await cliProcess(['rehearse', '--ci', '--config', 'own.json', '--scenario', 'connection-proving', '--certs-dir', certsDir], cwd, {});
  assert.is(r.code, 3, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`^C&A: https://localhost:${https}$`, 'm'));
  assert.not.match(r.stderr, /RangeError|\n\s+at /);
});

test.run();
