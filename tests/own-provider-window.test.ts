// "Bring your own provider", played exactly as the README's walk-through tells a provider engineer:
// `cda-sim init`, the config filled in for the reference provider run standalone (`cda-sim provider`,
// a separate process, HTTPS with mTLS to the C&A), then one `rehearse --ci --config` that plays the
// whole window: clear-down through the provider's own URL, connection proving, Stage 1, the update
// file applied by `--apply-updates "cda-sim provider apply-updates"` (a nested cda-sim call with
// CDA_SIM_UPDATE_FILE in its environment), Stage 2, and reporting after
// `--submit-reporting "cda-sim provider submit-reporting"`. Every test case must pass. Ports are free
// ones rather than the README's defaults, given by the flags and variables the README documents.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { freePort } from './helpers/spawn-provider.js';
import { CLI } from './helpers/spawn-sim.js';
import { spawn } from 'node:child_process';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import { packageRoot } from '../simulator/core/paths.js';

/** The README's walk-through: the section the test plays. */
const walkThrough = () => /## Bring your own provider\n([\s\S]*?)\n## /.exec(fs.readFileSync(path.join(packageRoot, 'README.md'), 'utf8'))?.[1] ?? '';

/** n free ports, all different (one freed port can be handed out again at once). */
async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** `cda-sim provider` in its own process, as the README's first terminal runs it; resolves once it says it is running. */
async function startOwnProvider(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [CLI, 'provider', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 20000;
  while (!out.includes('Press Ctrl+C') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (!out.includes('Press Ctrl+C')) {
    child.kill('SIGKILL');
    throw new Error(`cda-sim provider did not start:\n${out}`);
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { output: () => out, stop: async () => (child.kill('SIGINT'), exited) };
}

test('a full window against `cda-sim provider` in its own process, as the README tells it: every case of every phase passes', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const [caPort, adminPort, providerPort] = await freePorts(3);
  const providerUrl = `https://localhost:${providerPort}`;
  // The certs dir for every command through its variable; the provider's URL for the nested calls.
  const env = { CDA_SIM_CERTS_DIR: certsDir, CDA_SIM_PROVIDER_URL: providerUrl };

  // What the README tells the user to run and write is what this test runs and writes.
  const readme = walkThrough();
  assert.match(readme, /npx cda-sim init/);
  assert.match(readme, /\nnpx cda-sim provider +#/);
  assert.match(readme, /npx cda-sim rehearse --ci --config cda-sim\.config\.yaml \\\n\s+--apply-updates "npx cda-sim provider apply-updates" \\\n\s+--submit-reporting "npx cda-sim provider submit-reporting"/);
  assert.match(readme, /clearDown:\n\s+url: https:\/\/localhost:9443\/admin\/clear-down/);

  const init = await cliProcess(['init'], cwd, env);
  assert.is(init.code, 0, init.stderr);
  const provider = await startOwnProvider(['--port', String(providerPort), '--ca-url', `https://localhost:${caPort}`], cwd, env);
  try {
    const banner = provider.output();
    // HTTPS with mTLS to the C&A by default, and the admin endpoints the README's commands call.
    assert.match(banner, new RegExp(`C&A:\\s+https://localhost:${caPort} \\(issuer https://localhost:${caPort}\\), presenting \\S*provider-client\\.crt`));
    assert.match(banner, /admin:\s+https:\/\/localhost:\d+\/admin\/clear-down/);
    // On a port of its own, the banner's commands carry the URL they must call.
    assert.ok(banner.includes(`submit-reporting --provider-url ${providerUrl}\``), banner);
    const holdernames = /holdername GUID\(s\) ([0-9a-f, -]+)\)/.exec(banner)![1].split(', ');
    for (const h of holdernames) assert.ok(readme.includes(`- ${h}`), `the README lists holdername ${h}`);

    // The README's edits to the file `cda-sim init` wrote: the provider's URLs, its holdername GUIDs, its clear-down URL.
    const configFile = path.join(cwd, 'cda-sim.config.yaml');
    const config = YAML.parse(fs.readFileSync(configFile, 'utf8'));
    const base = `https://localhost:${providerPort}`;
    Object.assign(config.provider, {
      name: 'the reference provider, standalone',
      findUrl: `${base}/find`,
      viewUrl: `${base}/view-data`,
      holdernameGuids: holdernames,
      viewTokenKey: { jwksUrl: `${base}/.well-known/jwks.json` },
      clearDown: { url: `${base}/admin/clear-down` },
    });
    fs.writeFileSync(configFile, YAML.stringify(config));

    const cdaSim = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`;
    const run = await cliProcess(
      [
        'rehearse', '--ci', '--config', 'cda-sim.config.yaml',
        '--https-port', String(caPort), '--http-port', '-1', '--admin-port', String(adminPort),
        '--apply-updates', `${cdaSim} provider apply-updates`,
        '--submit-reporting', `${cdaSim} provider submit-reporting`,
      ],
      cwd,
      env,
      240000,
    );
    const said = `${run.stdout}\n${run.stderr}\n--- provider ---\n${provider.output()}`;
    assert.is(run.code, 0, said);
    assert.match(run.stdout, /provider clear-down: POST https:\/\/localhost:\d+\/admin\/clear-down → 200/);
    // The nested `cda-sim provider apply-updates` ran with CDA_SIM_UPDATE_FILE set, and applied every instruction.
    const applied = /\| (\d+) of (\d+) instruction\(s\) applied/.exec(run.stdout);
    assert.ok(applied && applied[1] === applied[2] && Number(applied[1]) >= 5, said);
    assert.match(run.stdout, /reporting: asking your system to submit its daily reports for \d{4}-\d{2}-\d{2}/);
    assert.match(run.stdout, /\| the daily reports for \d{4}-\d{2}-\d{2}: (\d+) of \1 accepted/);
    assert.match(run.stdout, /reporting: \d+ submission\(s\) received for/);

    const id = /^run (\S+) is kept/m.exec(run.stdout)![1];
    const results = JSON.parse(fs.readFileSync(path.join(cwd, '.cda-sim', 'runs', id, 'results.json'), 'utf8')) as RunResults;
    const byPrefix = (p: string) => results.testCases.filter((t) => t.id.startsWith(p));
    for (const p of ['CP-', 'S1-', 'S2-', 'REP-']) assert.ok(byPrefix(p).length > 0, `${p} cases played`);
    assert.equal(results.testCases.filter((t) => t.verdict !== 'pass').map((t) => `${t.id} ${t.verdict}: ${t.reasons.join(' | ')}`), []);
    assert.is(results.run.status, 'complete');
  } finally {
    assert.is(await provider.stop(), 0);
  }
});

test('without a reporting hook, the reporting phase says plainly that nothing was submitted', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const [caPort, providerPort] = await freePorts(2);
  const env = { CDA_SIM_CERTS_DIR: certsDir };
  const provider = await startOwnProvider(['--port', String(providerPort), '--ca-url', `https://localhost:${caPort}`], cwd, env);
  try {
    const base = `https://localhost:${providerPort}`;
    const holdernames = /holdername GUID\(s\) ([0-9a-f, -]+)\)/.exec(provider.output())![1].split(', ');
    const config = { provider: { findUrl: `${base}/find`, viewUrl: `${base}/view-data`, holdernameGuids: holdernames, viewTokenKey: { jwksUrl: `${base}/.well-known/jwks.json` } } };
    fs.writeFileSync(path.join(cwd, 'own.json'), JSON.stringify(config));
    const run = await cliProcess(['rehearse', '--ci', '--config', 'own.json', '--scenario', 'connection-proving', '--reporting', '--https-port', String(caPort), '--http-port', '-1', '--admin-port', '-1'], cwd, env, 120000);
    assert.is(run.code, 1, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /reporting: NOTHING was submitted for \d{4}-\d{2}-\d{2}: nobody asked your system to submit \(give --submit-reporting/);
  } finally {
    await provider.stop();
  }
});

test('a run paused after Stage 1 is resumed by `cda-sim stage2` with the provider commands: updates applied, then the reports submitted and judged', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const [caPort, providerPort] = await freePorts(2);
  const base = `https://localhost:${providerPort}`;
  const env = { CDA_SIM_CERTS_DIR: certsDir, CDA_SIM_PROVIDER_URL: base, CDA_SIM_HTTPS_PORT: String(caPort), CDA_SIM_HTTP_PORT: '-1', CDA_SIM_ADMIN_PORT: '-1' };
  const provider = await startOwnProvider(['--port', String(providerPort), '--ca-url', `https://localhost:${caPort}`], cwd, env);
  try {
    const holdernames = /holdername GUID\(s\) ([0-9a-f, -]+)\)/.exec(provider.output())![1].split(', ');
    const config = { provider: { findUrl: `${base}/find`, viewUrl: `${base}/view-data`, holdernameGuids: holdernames, viewTokenKey: { jwksUrl: `${base}/.well-known/jwks.json` }, clearDown: { url: `${base}/admin/clear-down` } } };
    fs.writeFileSync(path.join(cwd, 'own.json'), JSON.stringify(config));
    const paused = await cliProcess(['rehearse', '--ci', '--config', 'own.json', '--only', 'S1-01', 'S1-04', 'S2-01'], cwd, env, 120000);
    assert.is(paused.code, 4, `${paused.stdout}\n${paused.stderr}`);
    const cdaSim = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`;
    // No port is given again: stage2 starts the C&A on the ports the paused run was started on.
    const resumeEnv = { CDA_SIM_CERTS_DIR: certsDir, CDA_SIM_PROVIDER_URL: base };
    const resumed = await cliProcess(['stage2', '--ci', '--apply-updates', `${cdaSim} provider apply-updates`, '--submit-reporting', `${cdaSim} provider submit-reporting`], cwd, resumeEnv, 120000);
    const said = `${resumed.stdout}\n${resumed.stderr}`;
    assert.is(resumed.code, 0, said);
    assert.match(resumed.stdout, new RegExp(`^C&A: https://localhost:${caPort}$`, 'm'));
    assert.match(resumed.stdout, /\| applied: confirm-match urn:pei:/);
    assert.match(resumed.stdout, /reporting: asking your system to submit its daily reports/);
    assert.match(resumed.stdout, /S2-01 .*PASS|S2-01[\s\S]*?PASS/);
    assert.match(resumed.stdout, /REP-0\d/);
  } finally {
    await provider.stop();
  }
});

test.run();
