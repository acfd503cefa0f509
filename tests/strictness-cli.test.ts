// --strict as users meet it: `cda-sim rehearse` in a child process against a provider in its own
// process that registers with a field the official rreguri document allows and cda-sim's own rule
// refuses. The config file's `simulator.strict: false` accepts it, and the warning reaches the
// summary line, results.json, the HTML and PDF reports and the run's journal; `--strict` on the
// command line wins over the config and refuses it. `cda-sim start --strict=false` answers the same.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { patFor, spawnSim } from './helpers/spawn-sim.js';
import { freePort, ownProviderSection, spawnProvider } from './helpers/spawn-provider.js';
import { cliProcess } from './helpers/cli-process.js';
import { pdfText } from './helpers/pdf.js';

/** `cda-sim provider --fault register-extra-field`: the reference provider in its own process, sending registration_reason. */
const providerSendingExtraField = (httpsPort: number, httpPort: number, certsDir: string) =>
  spawnProvider({ httpsPort, httpPort, certsDir, stateDir: tempDir(), faults: ['register-extra-field'] });

function configFile(p: { findUrl: string; viewUrl: string; jwksUrl: string }, ports: number[]): string {
  const file = path.join(tempDir(), 'cda-sim.config.json');
  const config = {
    provider: ownProviderSection(p, { name: 'a provider built to the official rreguri document' }),
    budgets: { registrationWindowMs: 5000 },
    simulator: { httpsPort: ports[0], httpPort: ports[1], adminPort: ports[2], strict: false },
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

const ONLY = ['--scenario', 'connection-proving', '--only', 'CP-01', 'CP-02', 'CP-03'];

test('rehearse with simulator.strict false: the extra field is accepted, and each warning is in the summary, results.json, the reports and the journal; --strict refuses it', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const ports = [await freePort(), await freePort(), await freePort()];
  const provider = await providerSendingExtraField(ports[0], ports[1], certsDir);
  try {
    const cfg = configFile(provider, ports);
    const cwd = tempDir();
    const lax = await cliProcess(['rehearse', '--ci', ...ONLY, '--config', cfg, '--certs-dir', certsDir, '--state-dir', path.join(cwd, 'state')], cwd, {}, 120000);
    assert.is(lax.code, 0, `${lax.stdout}\n${lax.stderr}\n--- provider ---\n${provider.output()}`);
    assert.match(lax.stdout, /PASSED: 3 passed, 0 failed \(3 test cases\); \d+ own-rule warnings? \(--strict=false\)/);
    assert.match(lax.stdout, /WARNING POST \/rreguri \(X-Request-ID [0-9a-f-]{36}\) answered 201: registration_reason: is not allowed.*cda-sim's own rule.*rreguri v1_2 does not close the registration object/);

    const results = JSON.parse(fs.readFileSync(path.resolve(cwd, /results: (\S+)/.exec(lax.stdout)![1]), 'utf8'));
    assert.is(results.run.strict, false);
    const warnings = results.run.ownRuleWarnings as { method: string; path: string; status: number; field: string; detail: string; requestId: string }[];
    assert.ok(warnings.length >= 1);
    for (const w of warnings) {
      assert.equal([w.method, w.path, w.status, w.field], ['POST', '/rreguri', 201, 'registration_reason']);
      assert.match(w.detail, /cda-sim's own rule, stricter than the official document/);
    }
    const runFolder = path.dirname(path.resolve(cwd, /results: (\S+)/.exec(lax.stdout)![1]));
    const html = fs.readFileSync(path.join(runFolder, 'report.html'), 'utf8');
    assert.match(html, /own-rule warning/);
    assert.match(html, new RegExp(`WARNING POST /rreguri \\(X-Request-ID ${warnings[0].requestId}\\) answered 201: registration_reason`));
    assert.match(html, /Strictness<\/dt><dd>off \(--strict=false\)/);
    const pdf = (await pdfText(path.join(runFolder, 'report.pdf'))).replace(/\s+/g, ' ');
    assert.match(pdf, /own-rule warning/);
    assert.match(pdf, new RegExp(`WARNING POST /rreguri \\(X-Request-ID ${warnings[0].requestId}\\) answered 201: registration_reason`));
    assert.match(pdf, /Strictness off \(--strict=false\)/);
    assert.match(lax.stdout, /strictness: off \(--strict=false\)/);
    assert.match(fs.readFileSync(path.join(runFolder, 'junit.xml'), 'utf8'), new RegExp(`<property name="cda-sim.own-rule-warnings" value="${warnings.length}"/>`));
    const journal = fs.readFileSync(path.join(runFolder, 'journal.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const accepted = journal.filter((e) => e.path === '/rreguri' && e.ownRuleWarnings);
    assert.equal(accepted.map((e) => e.requestId).sort(), warnings.map((w) => w.requestId).sort());
    assert.ok(accepted.every((e) => e.status === 201 && e.ownRuleWarnings[0].field === 'registration_reason'));

    // The command line wins over the config: strict again, the same provider is refused and told why.
    const strict = await cliProcess(['rehearse', '--ci', ...ONLY, '--strict', '--config', cfg, '--certs-dir', certsDir, '--state-dir', path.join(cwd, 'state')], cwd, {}, 120000);
    assert.is(strict.code, 1, `${strict.stdout}\n${strict.stderr}`);
    assert.match(strict.stdout, /CP-03 .* FAIL/);
    const strictResults = JSON.parse(fs.readFileSync(path.resolve(cwd, /results: (\S+)/.exec(strict.stdout)![1]), 'utf8'));
    assert.is(strictResults.run.strict, true);
    assert.is(strictResults.run.ownRuleWarnings, undefined);
    const cp03 = strictResults.testCases.find((t: { id: string }) => t.id === 'CP-03');
    assert.match(cp03.reasons.join(' | '), /POST \/rreguri → 400 .*registration_reason: is not allowed.*cda-sim's own rule.*--strict=false accepts it/);
  } finally {
    provider.stop();
  }
});

test('cda-sim start --strict=false accepts what only an own rule refuses, and says so; by default it refuses it', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const register = async (http: string, pat: string) => {
    const res = await fetch(`${http}/rreguri`, {
      method: 'POST',
      headers: { 'X-Request-ID': randomUUID(), Authorization: `Bearer ${pat}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `urn:pei:${randomUUID()}:${randomUUID()}`, description: 'D'.repeat(1001), match_status: 'match-yes', resource_scopes: ['owner', 'value'] }),
    });
    return { status: res.status, body: (await res.json()) as { detail?: string } };
  };
  for (const lax of [false, true]) {
    const stateDir = tempDir();
    const sim = await spawnSim(['--https-port', '0', '--http-port', '0', '--admin-port', '0', '--certs-dir', certsDir, '--state-dir', stateDir, ...(lax ? ['--strict=false'] : [])]);
    try {
      const status = (await (await fetch(`${sim.admin}/admin/status`)).json()) as { strict: boolean };
      assert.is(status.strict, !lax);
      const res = await register(sim.http, await patFor(sim, 'CP01'));
      if (lax) {
        assert.match(sim.output(), /strictness: +off \(--strict=false\)/);
        assert.is(res.status, 201);
        const journal = (await (await fetch(`${sim.admin}/admin/journal?path=/rreguri`)).json()) as { entries?: { path: string; ownRuleWarnings?: { field: string }[] }[] };
        const entry = (journal.entries ?? []).find((e) => e.path === '/rreguri');
        assert.equal(entry?.ownRuleWarnings?.map((w) => w.field), ['description'], JSON.stringify(journal).slice(0, 400));
      } else {
        assert.is(res.status, 400);
        assert.match(res.body.detail!, /description: must be at most 1000 character\(s\) long.*cda-sim's own rule/);
      }
    } finally {
      await sim.stop();
    }
    const listed = await cliProcess(['journal', '--state-dir', stateDir, '--path', '/rreguri'], stateDir);
    assert.is(listed.code, 0, listed.stderr);
    if (lax) assert.match(listed.stdout, /POST .*\/rreguri .* 201 .*own-rule warning: description/);
    else assert.not.match(listed.stdout, /own-rule warning/);
  }
});

test.run();
