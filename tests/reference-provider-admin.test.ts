// The standalone reference provider's test-support endpoints (/admin/clear-down, /apply-updates,
// /submit-reporting): served only over mutual TLS, JSON only, and every refused request changes
// nothing. The happy path is played by own-provider-window.test.ts through the CLI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { call } from '../simulator/http/client.js';
import { loadTestData } from '../simulator/testdata/records.js';
import { startReferenceProvider } from '../simulator/provider/reference-provider.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';
import { freePort } from './helpers/spawn-provider.js';

test('admin endpoints: mTLS only, JSON only, bad bodies refused with the field named, state untouched', async () => {
  const { material } = await sharedMaterial();
  const stateFile = path.join(tempDir(), 'state.json');
  const seeded = { version: 1, pats: { someone: { sub: 'someone', token: 'pat', obtainedAt: '2026-01-01T00:00:00.000Z' } }, peis: {} };
  fs.writeFileSync(stateFile, JSON.stringify(seeded));
  const tls = { cert: material.server.cert, key: material.server.key, clientCa: [material.ca.cert], mtls: 'need' as const };
  const ca = { baseUrl: 'https://localhost:1', issuer: 'https://localhost:1', jwksUrl: 'https://localhost:1/jwk_uri' };
  const provider = await startReferenceProvider({ tls, ca, pfsIssuer: 'pfs', testData: loadTestData(), stateFile, adminEndpoints: true });
  const plain = await startReferenceProvider({ tls: null, ca, pfsIssuer: 'pfs', testData: loadTestData(), adminEndpoints: true });
  const asCdaSim = { ca: material.ca.cert, cert: material.cdaClient.cert, key: material.cdaClient.key };
  const base = provider.findUrl.replace(/\/find$/, '');
  const post = (p: string, body?: string, type?: string, tlsOpts: object | undefined = asCdaSim) =>
    call({ method: 'POST', url: `${base}${p}`, headers: type ? { 'Content-Type': type } : {}, body, tls: tlsOpts, timeoutMs: 5000 });
  try {
    assert.ok(provider.adminUrl);
    const refused: [string, string | undefined, string | undefined, number, RegExp][] = [
      ['/admin/apply-updates', '{"instructions": []}', 'text/plain', 415, /Content-Type: send the body as application\/json/],
      ['/admin/apply-updates', '{"instructions": ', 'application/json', 400, /./],
      ['/admin/apply-updates', '{"run": "x"}', 'application/json', 400, /instructions: an update file has an "instructions" array/],
      ['/admin/apply-updates', 'x'.repeat(1_100_000), 'application/json', 413, /larger than 1 MiB/],
      ['/admin/submit-reporting', '{"day": "yesterday"}', 'application/json', 400, /day: a UTC day as YYYY-MM-DD/],
      ['/admin/submit-reporting', '{}', 'text/plain', 415, /application\/json/],
    ];
    for (const [p, body, type, status, detail] of refused) {
      const res = await post(p, body, type);
      assert.is(res.status, status, `${p} ${type}: ${res.text}`);
      assert.match(String((res.json as { detail?: string }).detail), detail);
    }
    // No client certificate: refused at the handshake.
    const noCert = await post('/admin/clear-down', undefined, undefined, { ca: material.ca.cert }).then(
      (res) => `answered ${res.status}`,
      () => 'refused',
    );
    assert.is(noCert, 'refused');
    assert.equal(JSON.parse(fs.readFileSync(stateFile, 'utf8')).pats, seeded.pats, 'nothing refused changed the state');

    const cleared = await post('/admin/clear-down');
    assert.is(cleared.status, 200);
    assert.equal(JSON.parse(fs.readFileSync(stateFile, 'utf8')).pats, {});

    // Over plain HTTP there are no admin endpoints at all.
    assert.is(plain.adminUrl, undefined);
    const none = await call({ method: 'POST', url: plain.findUrl.replace(/\/find$/, '/admin/clear-down'), timeoutMs: 5000 });
    assert.is(none.status, 404);
  } finally {
    await provider.close();
    await plain.close();
  }
});

test('cda-sim provider apply-updates: a missing file is a usage error; no provider there is an environment error', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const cwd = tempDir();
  const missing = await cliProcess(['provider', 'apply-updates', 'nope.json', '--certs-dir', certsDir], cwd);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /provider apply-updates: \/\S+\/nope\.json does not exist/);
  fs.writeFileSync(path.join(cwd, 'u.json'), JSON.stringify({ instructions: [] }));
  const port = await freePort();
  const away = await cliProcess(['provider', 'apply-updates', 'u.json', '--certs-dir', certsDir, '--provider-url', `https://localhost:${port}`], cwd);
  assert.is(away.code, 3);
  assert.match(away.stderr, new RegExp(`the reference provider at https://localhost:${port}/admin/apply-updates cannot be reached .*Is \`cda-sim provider\` running there\\?`));
});

test.run();
