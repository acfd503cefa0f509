// `cda-sim provider` as a user runs it: a child process against a C&A over plain HTTP, stopped
// with Ctrl+C (SIGINT), keeping its state.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../simulator/core/clock.js';
import { createSigner } from '../simulator/crypto/jose.js';
import { call } from '../simulator/http/client.js';
import { buildFindRequest } from '../simulator/pfs/find-request.js';
import { tokenEndpoint } from '../simulator/ca/config.js';
import { startSimulator } from '../simulator/server/simulator.js';
import type { TestDataPack } from '../simulator/testdata/records.js';
import { sharedMaterial, specApi, tempDir } from './helpers/fixtures.js';
import { CLI } from './helpers/spawn-sim.js';

const HOLDER = randomUUID();
const ASSET = randomUUID();
const PACK: TestDataPack = {
  version: 1,
  holdernames: [{ holdernameGuid: HOLDER, name: 'CDA-SIM PENSIONS' }],
  records: [
    {
      recordId: 'IT01',
      holdernameGuid: HOLDER,
      assetGuid: ASSET,
      schemeName: 'CDA-SIM MASTER TRUST',
      member: { firstName: 'OLIVER', lastName: 'BRADSHAW', dateOfBirth: '1968-07-02', postcode: 'HG1 1AA' },
      possibleMatchReference: 'PM-IT01',
      viewData: { arrangements: [{ possibleMatch: false, pensionProviderSchemeName: 'CDA-SIM MASTER TRUST' }] },
    },
  ],
  expectations: [],
};

test('cda-sim provider: prints its URLs, answers a find, registers, and keeps its state after Ctrl+C', async () => {
  const { dir: certsDir, material } = await sharedMaterial();
  const sim = await startSimulator({ stateDir: tempDir(), certsDir, httpsPort: 0, httpPort: 0, adminPort: null, apis: { ca: await specApi('ca') } });
  const work = tempDir();
  const packFile = path.join(work, 'pack.json');
  fs.writeFileSync(packFile, JSON.stringify(PACK));
  const child = spawn(
    process.execPath,
    [CLI, 'provider', '--ca-url', sim.endpoints.http!, '--ca-issuer', sim.endpoints.issuer, '--port', '0', '--no-tls', '--testdata', packFile, '--state-dir', work, '--certs-dir', certsDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no find URL within 15 s:\n${out}`)), 15000);
      child.stdout.on('data', () => {
        if (/JWKS:\s+\S+/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code}:\n${out}`));
      });
    });
    const findUrl = /find URL:\s+(\S+)/.exec(out)![1];
    assert.match(out, /view URL:\s+http:\/\/localhost:\d+\/view-data/);
    const jwks = await call({ method: 'GET', url: /JWKS:\s+(\S+)/.exec(out)![1] });
    assert.is(jwks.status, 200);

    const user = sim.users.find((u) => u.id === 'IT01')!;
    const find = await buildFindRequest({
      user,
      clock: systemClock,
      pfsSigner: await createSigner(material.keys.pfs),
      rogueSigner: await createSigner(material.keys.rogue),
      pfsIssuer: sim.config.pfsIssuer,
      caTokenEndpoint: tokenEndpoint(sim.endpoints.issuer),
      findUrl,
    });
    const res = await call({ method: 'POST', url: find.url, headers: find.headers, body: find.body, timeoutMs: 5000 });
    assert.is(res.status, 202, res.text);

    // Ctrl+C: the provider finishes the registration under way, then exits.
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<string>((resolve) => (timer = setTimeout(resolve, 15000, 'still running 15 s after SIGINT')))]);
    clearTimeout(timer);
    assert.is(code, 0, out);
    assert.match(out, /stopped/);
    const registered = sim.store.resources().filter((r) => r.name === `urn:pei:${HOLDER}:${ASSET}`);
    assert.is(registered.length, 1, out);
    const state = JSON.parse(fs.readFileSync(path.join(work, 'reference-provider', 'state.json'), 'utf8'));
    assert.is(state.peis[ASSET].resourceId, registered[0].resource_id);
    assert.ok(fs.existsSync(path.join(work, 'reference-provider', 'view-signing-key.json')));
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sim.close();
  }
});

test.run();
