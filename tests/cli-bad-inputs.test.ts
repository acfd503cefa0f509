// Bad inputs get one clear line and the documented exit code, never a stack trace, and always
// before anything is reset: every case runs the CLI as a child process against a state directory
// that already holds a registration, and the state is byte for byte as it was afterwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startSimulator } from '../simulator/server/simulator.js';
import { cliProcess } from './helpers/cli-process.js';
import { freePort } from './helpers/spawn-provider.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

/** Every file under a directory with its size and modification time: any change shows. */
function listing(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((f) => {
    const st = fs.statSync(path.join(dir, f));
    return `${f} ${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`;
  });
}

/** A state directory holding one registration, made by a real simulator over HTTP. */
async function stateWithRegistration(state: string, certsDir: string): Promise<string> {
  const s = await startSimulator({ stateDir: state, certsDir, httpsPort: null, httpPort: 0, adminPort: null });
  try {
    const { token } = await s.mintUserToken('CP01');
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: token, scope: 'uma_protection' });
    const pat = await fetch(`${s.endpoints.http}/token`, { method: 'POST', body: form, headers: { 'X-Request-ID': randomUUID() } });
    const { access_token } = (await pat.json()) as { access_token: string };
    const name = `urn:pei:${randomUUID()}:${randomUUID()}`;
    const reg = await fetch(`${s.endpoints.http}/rreguri`, {
      method: 'POST',
      headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/json', Authorization: `Bearer ${access_token}` },
      body: JSON.stringify({ name, description: 'Kept Scheme', match_status: 'match-yes', resource_scopes: ['owner'] }),
    });
    assert.is(reg.status, 201);
    return name;
  } finally {
    await s.close();
  }
}

const cwd = tempDir();
const state = path.join(cwd, 'state');
const write = (name: string, text: string) => (fs.writeFileSync(path.join(cwd, name), text), name);
let certsDir = '';
let pei = '';
let good: Record<string, unknown> = {};

/** A config naming a provider on a port nobody listens on, with `change` applied to its provider section. */
function config(name: string, change: Record<string, unknown> = {}, top: Record<string, unknown> = {}): string {
  const provider = { ...(good.provider as object), ...change };
  return write(name, JSON.stringify({ ...good, provider, ...top }));
}

interface Case {
  what: string;
  args: () => string[];
  code: 2 | 3;
  message: RegExp;
  /** An environment failure found once the simulator is up: the run is kept as evidence (runs/), the state is not cleared. */
  keepsRun?: true;
}

const rehearse = (...extra: string[]) => ['rehearse', '--ci', '--state-dir', state, '--certs-dir', certsDir, ...extra];

const CASES: Case[] = [
  { what: 'a config file that does not exist', args: () => rehearse('--config', 'nope.json'), code: 2, message: /config file nope\.json does not exist/ },
  { what: 'a config path that is a folder', args: () => (fs.mkdirSync(path.join(cwd, 'folder.json'), { recursive: true }), rehearse('--config', 'folder.json')), code: 2, message: /config file folder\.json cannot be read: it is a directory/ },
  { what: 'a config that is not JSON', args: () => rehearse('--config', write('broken.json', '{"provider": ')), code: 2, message: /config file broken\.json is not valid JSON/ },
  { what: 'a config that is not YAML', args: () => rehearse('--config', write('broken.yaml', 'provider: [unclosed')), code: 2, message: /config file broken\.yaml is not valid YAML/ },
  { what: 'a config with an unknown field', args: () => rehearse('--config', config('unknown.json', { colour: 'red' })), code: 2, message: /config file unknown\.json: provider\.colour: is not a known setting$/ },
  { what: 'a config with a wrong type', args: () => rehearse('--config', config('type.json', {}, { budgets: { findAckMs: 'fast' } })), code: 2, message: /config file type\.json: budgets\.findAckMs: must be (integer|number)$/ },
  {
    what: 'a client certificate file that does not exist',
    args: () => rehearse('--config', config('cert.json', { tls: { clientCertFile: 'missing.crt', clientKeyFile: path.join(certsDir, 'cda-client.key') } })),
    code: 2,
    message: /config file cert\.json: provider\.tls\.clientCertFile: \/\S+\/missing\.crt does not exist \(written "missing\.crt": relative to the config file's folder\)$/,
  },
  {
    what: 'a client key file that holds no key',
    args: () => rehearse('--config', config('key.json', { tls: { clientCertFile: path.join(certsDir, 'cda-client.crt'), clientKeyFile: write('not-a-key.pem', 'hello') } })),
    code: 2,
    message: /config file key\.json: provider\.tls\.clientKeyFile: \S+not-a-key\.pem is not a PEM private key/,
  },
  {
    what: 'a client certificate without its key',
    args: () => rehearse('--config', config('half.json', { tls: { clientCertFile: path.join(certsDir, 'cda-client.crt') } })),
    code: 2,
    message: /provider\.tls: give clientCertFile and clientKeyFile together \(only clientCertFile is set\)$/,
  },
  { what: 'a trust CA file that is not a certificate', args: () => rehearse('--config', config('ca.json', { tls: { trustCaFile: write('ca.txt', 'not a cert') } })), code: 2, message: /provider\.tls\.trustCaFile: \S+ca\.txt is not a PEM certificate/ },
  { what: 'a view token key file that does not exist', args: () => rehearse('--config', config('pem.json', { viewTokenKey: { pemFile: 'gone.pem' } })), code: 2, message: /provider\.viewTokenKey\.pemFile: \/\S+\/gone\.pem does not exist \(written "gone\.pem": relative to the config file's folder\)$/ },
  { what: 'a JWKS file without keys', args: () => rehearse('--config', config('jwks.json', { viewTokenKey: { jwksFile: write('empty-jwks.json', '{}') } })), code: 2, message: /provider\.viewTokenKey\.jwksFile: \S+empty-jwks\.json is not a JWKS/ },
  { what: 'a test data pack that is not JSON', args: () => rehearse('--config', config('td.json', {}, { testData: write('pack.json', 'nope') })), code: 2, message: /testData: \S+pack\.json is not valid JSON/ },
  { what: 'a test data pack without records', args: () => rehearse('--config', config('td2.json', {}, { testData: write('pack2.json', '{"holdernames": []}') })), code: 2, message: /test data pack \S+pack2\.json: field "records" must be an array$/ },
  { what: 'a test users file without users', args: () => rehearse('--config', config('users.json', {}, { users: write('no-users.json', '{}') })), code: 2, message: /test users file \S+no-users\.json: expected an object with a "users" array$/ },
  { what: 'an expected-failures file that does not exist', args: () => rehearse('--expected-failures', 'no-list.txt'), code: 2, message: /cannot read the expected-failures file no-list\.txt/ },
  { what: 'a reports folder that is a file', args: () => rehearse('--reports-dir', write('reports', 'x')), code: 2, message: /--reports-dir: reports exists and is not a folder$/ },
  { what: 'a JUnit path under a file', args: () => rehearse('--junit', path.join(write('junit-parent', 'x'), 'out.xml')), code: 2, message: /--junit: \S+out\.xml cannot be created: \S+junit-parent is a file, not a folder$/ },
  { what: 'a scenario that does not exist', args: () => rehearse('--scenario', 'no-such-phase'), code: 2, message: /no scenario "no-such-phase"/ },
  { what: 'a state directory that is a file', args: () => ['rehearse', '--ci', '--state-dir', write('state-file', 'x'), '--certs-dir', certsDir], code: 3, message: /the state directory \S+state-file is unusable: it is not a directory \(ENOTDIR\)$/ },
  { what: 'a certs directory that is a file', args: () => ['rehearse', '--ci', '--state-dir', state, '--certs-dir', write('certs-file', 'x')], code: 3, message: /--certs-dir: certs-file exists and is not a folder$/ },
  { what: 'journal on a state directory that is a file', args: () => ['journal', '--state-dir', write('state-file-2', 'x')], code: 3, message: /state-file-2 cannot be used: .*ENOTDIR/ },
  { what: 'reset on a state directory that is a file', args: () => ['reset', '--state-dir', write('state-file-3', 'x'), '--certs-dir', certsDir], code: 3, message: /state-file-3 cannot be used: .*EEXIST/ },
  {
    what: 'a certs directory whose keys file is corrupt',
    args: () => {
      const certs = path.join(cwd, 'corrupt-certs');
      fs.cpSync(certsDir, certs, { recursive: true });
      fs.writeFileSync(path.join(certs, 'keys.json'), '{"keys": ');
      return ['rehearse', '--ci', '--state-dir', state, '--certs-dir', certs];
    },
    code: 3,
    message: /the certs directory \S+corrupt-certs cannot be used: \S+keys\.json is not valid JSON; delete it to regenerate the keys/,
    keepsRun: true,
  },
  { what: 'a bundle that does not exist (inspect)', args: () => ['inspect', 'no-bundle.tar.gz'], code: 2, message: /no-bundle\.tar\.gz is not a readable cda-sim bundle: the file does not exist$/ },
  { what: 'a bundle that does not exist (replay)', args: () => ['replay', 'no-bundle.tar.gz', '--state-dir', state, '--certs-dir', certsDir], code: 2, message: /no-bundle\.tar\.gz is not a readable cda-sim bundle: the file does not exist$/ },
  { what: 'a bundle that is not one (replay)', args: () => ['replay', write('junk.tar.gz', 'junk'), '--state-dir', state, '--certs-dir', certsDir], code: 2, message: /junk\.tar\.gz is not a readable cda-sim bundle: it is not a gzip file/ },
];

test.before(async () => {
  certsDir = (await sharedMaterial()).dir;
  pei = await stateWithRegistration(state, certsDir);
  const port = await freePort();
  good = {
    provider: { findUrl: `https://127.0.0.1:${port}/find`, viewUrl: `https://127.0.0.1:${port}/view-data`, holdernameGuids: ['d70f7b57-5fbc-46a9-8cf4-a97cb7cd67d3'], viewTokenKey: { jwksUrl: `https://127.0.0.1:${port}/jwks` } },
    simulator: { httpsPort: await freePort(), httpPort: await freePort(), adminPort: await freePort() },
  };
});

for (const c of CASES) {
  test(`${c.what}: exit ${c.code}, one line naming it, no stack trace, the CDA state not cleared down`, async () => {
    const args = c.args();
    const stateFiles = () => listing(state).filter((f) => !(c.keepsRun && f.startsWith('runs')));
    const before = stateFiles();
    // Only what cda-sim says: no warning about the test runner's colour settings.
    const r = await cliProcess(args, cwd, { FORCE_COLOR: undefined, NO_COLOR: undefined }, 30000);
    const lines = r.stderr.trim().split('\n');
    assert.is(r.code, c.code, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
    assert.is(lines.length, 1, r.stderr);
    assert.match(lines[0], /^cda-sim: /);
    assert.match(lines[0], c.message);
    assert.not.match(`${r.stdout}${r.stderr}`, /\n\s+at |clear-down|the CDA was reset/);
    assert.equal(stateFiles(), before, 'the state directory is as it was');
  });
}

test('the registration made before every refused run is still in the state', () => {
  assert.ok(fs.readFileSync(path.join(state, 'state.json'), 'utf8').includes(pei), 'the PeI is still registered');
});

test.run();
