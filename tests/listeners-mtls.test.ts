// The real HTTPS listener: mutual TLS with certificates from the cda-sim CA, refused otherwise.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { startSimulator, type Simulator } from '../simulator/server/simulator.js';
import { readJournal } from '../simulator/store/journal.js';
import { sharedMaterial, specApi, tempDir } from './helpers/fixtures.js';
import { httpsRequest } from './helpers/https.js';
import { ContractChecker } from './helpers/contract.js';

// Every simulator a test starts is closed after it, even when an assertion failed (else the suite hangs).
const started: Simulator[] = [];
test.after.each(async () => {
  while (started.length) await started.pop()!.close();
});

async function sim(mtls: 'need' | 'want' | 'none'): Promise<{ s: Simulator; contract: ContractChecker }> {
  const { dir } = await sharedMaterial();
  const s = await startSimulator({ stateDir: tempDir(), certsDir: dir, httpsPort: 0, httpPort: 0, adminPort: 0, mtls, apis: { ca: await specApi('ca'), admin: await specApi('admin') } });
  started.push(s);
  const contract = new ContractChecker(await specApi('ca')).watch(s.journal);
  return { s, contract };
}

test('mTLS need: a provider client certificate from the cda-sim CA gets through, full PAT + registration over HTTPS', async () => {
  const { s, contract } = await sim('need');
  const m = s.material;
  const tls = { ca: m.ca.cert, cert: m.providerClient.cert, key: m.providerClient.key };
  const jwks = await httpsRequest(`${s.endpoints.https}/jwk_uri`, tls);
  assert.is(jwks.status, 200);
  assert.ok(jwks.json.keys.some((k: { kid: string }) => k.kid.startsWith('pfs-')));
  const { token } = await s.mintUserToken('CP01');
  const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: token, scope: 'uma_protection' }).toString();
  const pat = await httpsRequest(`${s.endpoints.https}/token`, { ...tls, method: 'POST', body, headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.is(pat.status, 200, pat.text);
  const reg = await httpsRequest(`${s.endpoints.https}/rreguri`, {
    ...tls,
    method: 'POST',
    headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/json', Authorization: `Bearer ${pat.json.access_token}` },
    body: JSON.stringify({ name: `urn:pei:${randomUUID()}:${randomUUID()}`, description: 'S', match_status: 'match-yes', resource_scopes: ['owner'] }),
  });
  assert.is(reg.status, 201, reg.text);
  assert.match(String(reg.headers.location), new RegExp(`^${s.endpoints.https}/rreguri/`));
  // The journal records who presented which certificate.
  const entries = await readJournal(s.journal.file, { path: '/rreguri' });
  assert.match(entries[0].clientCert!.subject, /provider under test/);
  assert.is(entries[0].clientCert!.authorized, true);
  assert.equal(contract.violations, []);
  await s.close();
});

for (const [what, pick, rule] of [
  ['no client certificate', () => ({}), /no client certificate was presented/],
  ['an expired client certificate', (m: Simulator['material']) => ({ cert: m.expiredClient.cert, key: m.expiredClient.key }), /has expired/],
  ['a client certificate from a foreign CA', (m: Simulator['material']) => ({ cert: m.foreignClient.cert, key: m.foreignClient.key }), /not issued by a trusted CA/],
  // OpenSSL's own purpose check refuses it in the handshake when the chain is required.
  ['a client certificate without clientAuth', (m: Simulator['material']) => ({ cert: m.noClientAuthClient.cert, key: m.noClientAuthClient.key }), /lacks clientAuth \(1\.3\.6\.1\.5\.5\.7\.3\.2\)/],
] as const) {
  test(`mTLS need: ${what} is refused at the handshake, journalled with its reason, and reaches no route`, async () => {
    const { s } = await sim('need');
    const m = s.material;
    let failed: Error | undefined;
    try {
      await httpsRequest(`${s.endpoints.https}/jwk_uri`, { ca: m.ca.cert, ...pick(m) });
    } catch (err) {
      failed = err as Error;
    }
    assert.ok(failed, 'the request must fail');
    assert.match(String((failed as NodeJS.ErrnoException).code ?? failed!.message), /ECONNRESET|EPROTO|ERR_SSL|certificate|socket hang up/i);
    // One entry: the refusal, under its own role (no C&A call), with its reason; no /jwk_uri.
    const entries = await readJournal(s.journal.file);
    assert.equal(entries.map((e) => [e.role, e.method, e.path, e.status]), [['ca-tls', 'TLS', '(handshake)', 0]]);
    assert.match(entries[0].clientCert?.refused ?? '', rule);
    assert.match(entries[0].error ?? '', /^TLS handshake refused: /);
    await s.close();
  });
}

for (const [mode, what, pick, rule] of [
  ['need', 'an RSA-1024 client certificate', (m: Simulator['material']) => m.weakKeyClient, /RSA key is 1024 bits; at least 2048 are required/],
  ['want', 'an RSA-1024 client certificate', (m: Simulator['material']) => m.weakKeyClient, /RSA key is 1024 bits; at least 2048 are required/],
  ['want', 'a client certificate without clientAuth (serverAuth only)', (m: Simulator['material']) => m.noClientAuthClient, /extended key usage \(1\.3\.6\.1\.5\.5\.7\.3\.1\) lacks clientAuth \(1\.3\.6\.1\.5\.5\.7\.3\.2\)/],
] as const) {
  test(`mTLS ${mode}: ${what} from the cda-sim CA gets a 403 naming the rule, journalled with its reason, and changes nothing`, async () => {
    const { s } = await sim(mode);
    const m = s.material;
    const tls = { ca: m.ca.cert, cert: pick(m).cert, key: pick(m).key };
    const jwks = await httpsRequest(`${s.endpoints.https}/jwk_uri`, tls);
    assert.is(jwks.status, 403);
    assert.is(jwks.headers['content-type'], 'application/problem+json');
    assert.is(jwks.json.errors[0].code, 'CLIENT_CERTIFICATE_REFUSED');
    assert.match(jwks.json.errors[0].detail, rule);
    // A PAT request that would succeed with a fit certificate: refused, and no PAT is kept.
    const { token } = await s.mintUserToken('CP01');
    const requestId = randomUUID();
    const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: token, scope: 'uma_protection' }).toString();
    const pat = await httpsRequest(`${s.endpoints.https}/token`, { ...tls, method: 'POST', body, headers: { 'X-Request-ID': requestId, 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.is(pat.status, 403, pat.text);
    assert.is(pat.json.request_id, requestId);
    assert.equal(Object.keys(s.store.data.pats), []);
    const entries = await readJournal(s.journal.file);
    assert.equal(entries.map((e) => [e.path, e.status]), [['/jwk_uri', 403], ['/token', 403]]);
    for (const e of entries) assert.match(e.clientCert!.refused ?? '', rule);
    // The same listener still serves a fit certificate.
    assert.is((await httpsRequest(`${s.endpoints.https}/jwk_uri`, { ca: m.ca.cert, cert: m.providerClient.cert, key: m.providerClient.key })).status, 200);
    await s.close();
  });
}

test('TLS 1.2 is the minimum: a TLS 1.1 client is refused', async () => {
  const { s } = await sim('none');
  let failed = false;
  try {
    await httpsRequest(`${s.endpoints.https}/jwk_uri`, { ca: s.material.ca.cert, maxVersion: 'TLSv1.1' });
  } catch {
    failed = true;
  }
  assert.ok(failed);
  const ok = await httpsRequest(`${s.endpoints.https}/jwk_uri`, { ca: s.material.ca.cert, maxVersion: 'TLSv1.2' });
  assert.is(ok.status, 200);
  await s.close();
});

test('the server certificate is valid for localhost and 127.0.0.1 (hostname verification on)', async () => {
  const { s } = await sim('none');
  const port = new URL(s.endpoints.https!).port;
  for (const host of ['localhost', '127.0.0.1']) {
    const res = await httpsRequest(`https://${host}:${port}/jwk_uri`, { ca: s.material.ca.cert });
    assert.is(res.status, 200, host);
  }
  // A name the certificate does not carry fails verification.
  let failed = false;
  try {
    await httpsRequest(`https://127.0.0.1:${port}/jwk_uri`, { ca: s.material.ca.cert, servername: 'provider.example' });
  } catch {
    failed = true;
  }
  assert.ok(failed);
  await s.close();
});

test('mTLS want: no certificate is allowed; a foreign one is journalled as not authorised', async () => {
  const { s } = await sim('want');
  const m = s.material;
  assert.is((await httpsRequest(`${s.endpoints.https}/jwk_uri`, { ca: m.ca.cert })).status, 200);
  assert.is((await httpsRequest(`${s.endpoints.https}/jwk_uri`, { ca: m.ca.cert, cert: m.foreignClient.cert, key: m.foreignClient.key })).status, 200);
  const entries = await readJournal(s.journal.file);
  assert.is(entries.length, 2);
  assert.is(entries[0].clientCert, undefined);
  assert.is(entries[1].clientCert!.authorized, false);
  await s.close();
});

test('plain HTTP listener serves the same C&A; the discovery document names the HTTPS issuer', async () => {
  const { s } = await sim('need');
  const res = await fetch(`${s.endpoints.http}/.well-known/uma2-configuration`);
  assert.is(res.status, 200);
  const doc = (await res.json()) as Record<string, string>;
  assert.is(doc.issuer, s.endpoints.https);
  assert.is(doc.token_endpoint, `${s.endpoints.https}/token`);
  assert.is(doc.jwks_uri, `${s.endpoints.https}/jwk_uri`);
  const wellKnown = (await (await fetch(`${s.endpoints.http}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
  for (const k of wellKnown.keys) for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.not.ok(priv in k, `published key ${k.kid} leaks ${priv}`);
  await s.close();
});

test('binding a port already in use is an environment error naming the port', async () => {
  const { s } = await sim('none');
  const port = Number(new URL(s.endpoints.http!).port);
  const { dir } = await sharedMaterial();
  let err: Error & { exitCode?: number } = new Error('none');
  try {
    await startSimulator({ stateDir: tempDir(), certsDir: dir, httpsPort: null, httpPort: port, adminPort: null });
  } catch (e) {
    err = e as typeof err;
  }
  assert.is(err.exitCode, 3);
  assert.match(err.message, new RegExp(`port ${port}.*already in use`));
  await s.close();
});

test('a second simulator on the same state directory is refused', async () => {
  const { dir } = await sharedMaterial();
  const stateDir = tempDir();
  const s = await startSimulator({ stateDir, certsDir: dir, httpsPort: null, httpPort: 0, adminPort: null });
  let err: Error & { exitCode?: number } = new Error('none');
  try {
    // Simulate another process by pretending the lock belongs to our parent.
    const fs = await import('node:fs');
    const lock = JSON.parse(fs.readFileSync(`${stateDir}/simulator.lock`, 'utf8'));
    fs.writeFileSync(`${stateDir}/simulator.lock`, JSON.stringify({ ...lock, pid: process.ppid }));
    await startSimulator({ stateDir, certsDir: dir, httpsPort: null, httpPort: 0, adminPort: null });
  } catch (e) {
    err = e as typeof err;
  }
  assert.is(err.exitCode, 3);
  assert.match(err.message, /another cda-sim/);
  await s.close();
});

test.run();
