// The admin API over a real loopback socket, every answer checked against openapi/admin.yaml.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { startSimulator, type Simulator } from '../simulator/server/simulator.js';
import { sharedMaterial, specApi, tempDir } from './helpers/fixtures.js';
import { ContractChecker } from './helpers/contract.js';
import { USER_TOKEN_VARIANTS } from '../simulator/pfs/user-token.js';

let sim: Simulator;
let adminContract: ContractChecker;

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.endpoints.admin}${path}`, { method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  adminContract.check({
    seq: 0, time: '', direction: 'in', role: 'admin', method, url: path, path: path.split('?')[0],
    requestHeaders: {}, status: res.status, responseHeaders: Object.fromEntries(res.headers), responseBody: json, durationMs: 0,
  });
  return { status: res.status, body: json };
}

async function exchange(userToken: string) {
  const res = await fetch(`${sim.endpoints.http}/token`, {
    method: 'POST',
    headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: userToken, scope: 'uma_protection' }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

test.before(async () => {
  const { dir } = await sharedMaterial();
  sim = await startSimulator({ stateDir: tempDir(), certsDir: dir, httpsPort: 0, httpPort: 0, adminPort: 0, apis: { ca: await specApi('ca'), admin: await specApi('admin') } });
  adminContract = new ContractChecker(await specApi('admin'));
});

test.after(async () => {
  await sim.close();
  assert.equal(adminContract.violations, []);
});

test('status names version, profile, endpoints and counts', async () => {
  const { status, body } = await admin('GET', '/admin/status');
  assert.is(status, 200);
  assert.is(body.profile, 'pdp-v2.0-reconstructed');
  assert.is(body.endpoints.https, sim.endpoints.https);
  assert.is(body.mtls, 'need');
  assert.is(body.resourceIdFormat, 'live');
  assert.equal(body.certificateWarnings, []);
});

test('users lists the seeded identities', async () => {
  const { body } = await admin('GET', '/admin/users');
  const ids = body.users.map((u: { id: string }) => u.id);
  for (const id of ['CP01', 'IT01', 'IT18', 'SYS01', 'OAT01']) assert.ok(ids.includes(id), id);
});

test('a minted valid user token is exchanged for a PAT; every broken variant is refused with invalid_grant', async () => {
  for (const variant of USER_TOKEN_VARIANTS) {
    const minted = await admin('POST', '/admin/users/IT01/token', { variant });
    assert.is(minted.status, 200);
    assert.is(minted.body.variant, variant);
    const res = await exchange(minted.body.user_token);
    if (variant === 'valid') {
      assert.is(res.status, 200, JSON.stringify(res.body));
      assert.is(res.body.token_type, 'pension_dashboard_pat');
    } else {
      assert.is(res.status, 400, variant);
      assert.is(res.body.error, 'invalid_grant', variant);
    }
  }
  // The default (no body) is a valid token.
  const plain = await admin('POST', '/admin/users/IT01/token');
  assert.is((await exchange(plain.body.user_token)).status, 200);
});

test('minting for an unknown user is a 404 naming the known ids; an unknown variant a 400', async () => {
  const unknown = await admin('POST', '/admin/users/ZZ99/token');
  assert.is(unknown.status, 404);
  assert.match(unknown.body.errors[0].detail, /CP01/);
  const bad = await admin('POST', '/admin/users/IT01/token', { variant: 'sort-of-valid' });
  assert.is(bad.status, 400);
  assert.is(bad.body.errors[0].field, 'variant');
});

test('registrations table, filtered by owner test-user id, and the journal by request id', async () => {
  const minted = await admin('POST', '/admin/users/IT02/token');
  const pat = (await exchange(minted.body.user_token)).body.access_token;
  const rid = randomUUID();
  const reg = await fetch(`${sim.endpoints.http}/rreguri`, {
    method: 'POST',
    headers: { 'X-Request-ID': rid, 'Content-Type': 'application/json', Authorization: `Bearer ${pat}` },
    body: JSON.stringify({ name: `urn:pei:${randomUUID()}:${randomUUID()}`, description: 'IT02 SCHEME', match_status: 'match-possible', resource_scopes: ['owner', 'value'] }),
  });
  assert.is(reg.status, 201);
  const mine = await admin('GET', '/admin/registrations?owner=IT02');
  assert.is(mine.body.registrations.length, 1);
  assert.is(mine.body.registrations[0].owner_user_id, 'IT02');
  assert.is(mine.body.registrations[0].request_id, rid);
  assert.is((await admin('GET', '/admin/registrations?owner=IT03')).body.registrations.length, 0);
  assert.is((await admin('GET', '/admin/registrations?match_status=match-yes&owner=IT02')).body.registrations.length, 0);
  const journal = await admin('GET', `/admin/journal?request_id=${rid}`);
  assert.is(journal.body.entries.length, 1);
  assert.is(journal.body.entries[0].status, 201);
  assert.is((await admin('GET', '/admin/journal?status=999')).status, 400);
});

test('reset clears registrations, PATs and the journal', async () => {
  const res = await admin('POST', '/admin/reset');
  assert.is(res.status, 200);
  assert.ok(res.body.cleared.registrations >= 1);
  const status = await admin('GET', '/admin/status');
  assert.equal(status.body.counts, { registrations: 0, deleted: 0, pats: 0, rpts: 0, reportingSubmissions: 0 });
  assert.is((await admin('GET', '/admin/journal')).body.entries.length, 0);
});

test.run();
