// pdp-protocol §8: the checks the reference provider makes on an introspection result, one per
// negative fixture of MaPS's harness (test-phases §2.9), and the view endpoint failing safe (503,
// no data) when the C&A cannot be asked. The C&A here is a stub: cda-sim's own C&A never gives
// inconsistent answers, so these cases cannot be produced end to end.
import { randomUUID } from 'node:crypto';
import express from 'express';
import supertest from 'supertest';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPair } from '../simulator/crypto/jose.js';
import type { CaClient, IntrospectionResult, Single } from '../simulator/provider/ca-client.js';
import { Faults } from '../simulator/provider/faults.js';
import { judgeIntrospection } from '../simulator/provider/introspection.js';
import { RecordBook } from '../simulator/provider/records.js';
import { ProviderStore } from '../simulator/provider/store.js';
import { viewHandler } from '../simulator/provider/view.js';
import { createViewTokenIssuer } from '../simulator/provider/view-token.js';
import type { CallResult } from '../simulator/http/client.js';

const NOW = 1_800_000_000;
const RID = `${randomUUID()}7`;
const clean = new Faults();
const good = (): IntrospectionResult => ({
  active: true,
  token_type: 'pension_dashboard_rpt',
  exp: NOW + 600,
  iss: 'https://dashboard.example',
  permissions: [{ resource_id: RID, resource_scopes: ['value', 'owner'], exp: NOW + 600 }],
});

test('all checks pass → view data', () => {
  assert.equal(judgeIntrospection(good(), RID, NOW, clean), { ok: true });
});

const cases: [string, (r: IntrospectionResult) => IntrospectionResult, number, string][] = [
  ['§8.1 active false (the expired-RPT resource)', () => ({ active: false }), 401, 'RPT_INACTIVE'],
  ['§8.2 rpt-expired-token-active', (r) => ({ ...r, exp: NOW - 1 }), 401, 'RPT_EXPIRED'],
  ['§8.3 rpt-wrong-token-type', (r) => ({ ...r, token_type: 'pension_dashboard_pmt' }), 403, 'NOT_AN_RPT'],
  ['§8.4 rpt-empty-perm-array', (r) => ({ ...r, permissions: [] }), 403, 'NO_PERMISSIONS'],
  ['§8.4 a permission for another PeI', (r) => ({ ...r, permissions: [{ resource_id: 'another', resource_scopes: ['owner'], exp: NOW + 600 }] }), 403, 'WRONG_RESOURCE'],
  ['§8.5 rpt-scopes-no-owner', (r) => ({ ...r, permissions: [{ resource_id: RID, resource_scopes: ['value'], exp: NOW + 600 }] }), 403, 'NO_OWNER_SCOPE'],
  ['§8.6 rpt-expired-permission', (r) => ({ ...r, permissions: [{ resource_id: RID, resource_scopes: ['owner'], exp: NOW - 1 }] }), 403, 'PERMISSION_EXPIRED'],
];
for (const [name, tamper, status, code] of cases) {
  test(`${name} → ${status} ${code}`, () => {
    const v = judgeIntrospection(tamper(good()), RID, NOW, clean);
    assert.equal(v.ok ? v : { status: v.status, code: v.code }, { status, code });
  });
}

test('the ignore-permission-resource fault lets a permission for another PeI through', () => {
  const r = { ...good(), permissions: [{ resource_id: 'another', resource_scopes: ['owner'], exp: NOW + 600 }] };
  assert.ok(judgeIntrospection(r, RID, NOW, new Faults(['ignore-permission-resource'])).ok);
});

// ── the view endpoint with a stub C&A ────────────────────────────────────────────────────────────

const HOLDER = randomUUID();
const ASSET = randomUUID();
const stubKey = generateKeyPair('stub-view-key', 'sig');
const answer = (status: number): CallResult => ({ status, headers: {}, text: '', durationMs: 1, startedAt: 0 });

async function viewApp(ca: Pick<CaClient, 'requestPermission' | 'introspect'>) {
  const schemeName = 'STUB SCHEME';
  const records = new RecordBook({
    version: 1,
    holdernames: [{ holdernameGuid: HOLDER, name: 'STUB' }],
    records: [{ recordId: 'R1', holdernameGuid: HOLDER, assetGuid: ASSET, schemeName, possibleMatchReference: 'PM1', member: { firstName: 'A', lastName: 'B', dateOfBirth: '1970-01-01' }, viewData: { arrangements: [{ possibleMatch: false, pensionProviderSchemeName: schemeName }] } }],
    expectations: [],
  });
  const store = ProviderStore.open();
  store.putPat({ sub: 'user-1', token: 'pat-1', obtainedAt: new Date().toISOString() });
  store.putPei({ name: `urn:pei:${HOLDER}:${ASSET}`, holdernameGuid: HOLDER, assetGuid: ASSET, recordId: 'R1', resourceId: RID, owner: 'user-1', matchStatus: 'match-yes', description: schemeName, registeredAt: new Date().toISOString() });
  const now = () => NOW * 1000;
  const issuer = await createViewTokenIssuer({ key: await stubKey, providerId: 'p', audience: 'https://ca/token', now, faults: clean });
  const app = express();
  app.get('/view-data/:assetGuid', viewHandler({ ca: ca as CaClient, store, records, issuer, faults: clean, asUri: 'https://ca', now, log: () => {} }));
  return (bearer?: string) => {
    const req = supertest(app).get(`/view-data/${ASSET}?scope=owner`).set('X-Request-ID', randomUUID());
    return bearer ? req.set('Authorization', `Bearer ${bearer}`) : req;
  };
}

const okTicket = async (): Promise<Single<string>> => ({ ok: true, value: 'ticket-1', answer: answer(201) });
const okIntrospection = async (): Promise<Single<IntrospectionResult>> => ({ ok: true, value: good(), answer: answer(200) });

for (const status of [400, 401, 404, 500, 502, 503, 504]) {
  test(`§8.7 introspection answers ${status} → 503, no data`, async () => {
    const get = await viewApp({ requestPermission: okTicket, introspect: async () => ({ ok: false, why: `POST /introspect answered ${status}`, answer: answer(status) }) });
    const res = await get('rpt-1');
    assert.is(res.status, 503, res.text);
    assert.not.ok(res.body.view_data_token);
  });
}

test('§8.7 introspection unreachable → 503, no data', async () => {
  const get = await viewApp({ requestPermission: okTicket, introspect: async () => ({ ok: false, why: 'ECONNREFUSED' }) });
  assert.is((await get('rpt-1')).status, 503);
});

test('/perm fails → 503 and no challenge', async () => {
  const get = await viewApp({ requestPermission: async () => ({ ok: false, why: 'POST /perm answered 500', answer: answer(500) }), introspect: okIntrospection });
  const res = await get();
  assert.is(res.status, 503);
  assert.is(res.headers['www-authenticate'], undefined);
});

test('the stub C&A saying yes → 200 (the harness above is sound)', async () => {
  const calls: string[] = [];
  const get = await viewApp({ requestPermission: okTicket, introspect: async (pat, rpt) => (calls.push(`${pat} ${rpt}`), okIntrospection()) });
  const res = await get('rpt-1');
  assert.is(res.status, 200, res.text);
  assert.type(res.body.view_data_token, 'string');
  assert.equal(calls, ['pat-1 rpt-1'], 'introspected with the owner’s PAT');
  const challenge = await get();
  assert.is(challenge.status, 401);
  assert.is(challenge.headers['www-authenticate'], 'UMA realm="pensions-dashboards", as_uri="https://ca", ticket="ticket-1"');
});

test.run();
