// C&A fault responses: injected errors on every endpoint, count / until / user scoping, 429's
// Retry-After, the negative introspection fixtures, and the admin API that sets them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { caHarness, JWT_BEARER, UMA_TICKET, type CaHarness } from './helpers/ca-harness.js';
import { sharedMaterial, specApi, tempDir } from './helpers/fixtures.js';
import { ContractChecker } from './helpers/contract.js';
import { startSimulator } from '../simulator/server/simulator.js';
import { CA_FAULT_ENDPOINTS, FAULT_STATUSES, INTROSPECTION_FIXTURES, type CaFaultEndpoint as FaultEndpoint, type FaultRule } from '../simulator/faults/registry.js';

const INJECTED = 'injected by a C&A fault rule (admin API /admin/faults)';
const PROBLEM_CODE: Record<number, [string, string]> = {
  400: ['BAD_REQUEST', 'Bad Request'],
  401: ['UNAUTHORIZED', 'Unauthorized'],
  403: ['FORBIDDEN', 'Forbidden'],
  404: ['NOT_FOUND', 'Not Found'],
  429: ['TOO_MANY_REQUESTS', 'Too Many Requests'],
  500: ['INTERNAL_SERVER_ERROR', 'Internal Server Error'],
  502: ['BAD_GATEWAY', 'Bad Gateway'],
  503: ['SERVICE_UNAVAILABLE', 'Service Unavailable'],
  504: ['GATEWAY_TIMEOUT', 'Gateway Timeout'],
};
const OAUTH_CODE: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_client',
  403: 'need_info',
  404: 'invalid_request',
  429: 'temporarily_unavailable',
  500: 'server_error',
  502: 'temporarily_unavailable',
  503: 'temporarily_unavailable',
  504: 'temporarily_unavailable',
};

/** A C&A with one user (CP01) holding a PAT, a possible-match PeI, and an RPT for it; IT01 has no PAT yet. */
async function world(opts: { random?: () => number } = {}) {
  const h = await caHarness(opts);
  const pat = await h.pat('CP01');
  const rid = await h.registered(pat, { match_status: 'match-possible' });
  const rpt = await h.rpt(await h.ticket(pat, rid));
  return { h, pat, rid, rpt };
}
type World = Awaited<ReturnType<typeof world>>;

/** One call to an endpoint, and a snapshot of the state it would change. */
async function call(w: World, endpoint: FaultEndpoint) {
  const { h, pat, rid, rpt } = w;
  switch (endpoint) {
    case 'token':
      return h.token({ grant_type: JWT_BEARER, assertion: await h.userToken('IT01'), scope: 'uma_protection' });
    case 'rreguri-post':
      return h.register(pat);
    case 'rreguri-get':
      return h.request.get(`/rreguri/${rid}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`);
    case 'rreguri-patch':
      return h.request.patch(`/rreguri/${rid}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send({ match_status: 'match-yes' });
    case 'rreguri-delete':
      return h.request.delete(`/rreguri/${rid}?deletion_reason=match-no`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`);
    case 'perm':
      return h.perm(pat, rid);
    case 'introspect':
      return h.introspect(pat, rpt);
  }
}

function snapshot(h: CaHarness) {
  return JSON.stringify(h.store.data);
}

const NORMAL: Record<FaultEndpoint, number> = { token: 200, 'rreguri-post': 201, 'rreguri-get': 200, 'rreguri-patch': 200, 'rreguri-delete': 204, perm: 201, introspect: 200 };

function assertFault(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }, endpoint: FaultEndpoint, status: number) {
  assert.is(res.status, status);
  if (endpoint === 'token') {
    assert.equal(res.body, { error: OAUTH_CODE[status], error_description: INJECTED });
    assert.is(res.headers['cache-control'], 'no-store');
    return;
  }
  assert.match(res.headers['content-type'], /^application\/problem\+json/);
  const [code, title] = PROBLEM_CODE[status];
  assert.equal(res.body, { type: 'urn:cda-sim:problem:injected-fault', title, status, detail: INJECTED, request_id: res.body.request_id, errors: [{ code, detail: INJECTED }] });
  assert.type(res.body.request_id, 'string');
  if (status === 401) assert.match(res.headers['www-authenticate'], /^Bearer /);
}

for (const endpoint of CA_FAULT_ENDPOINTS) {
  test(`${endpoint}: every fault status answers once, changes nothing, then the call works`, async () => {
    const w = await world({ random: () => 0.5 });
    for (const status of FAULT_STATUSES) {
      w.h.faults.add({ endpoint, status });
      const before = snapshot(w.h);
      const res = await call(w, endpoint);
      assertFault(res, endpoint, status);
      if (status === 429) assert.is(res.headers['retry-after'], '6');
      else assert.is(res.headers['retry-after'], undefined);
      assert.is(snapshot(w.h), before, `${endpoint} ${status} changed state`);
      assert.equal(w.h.faults.list(), []);
    }
    // Used up: the next call is answered normally.
    const res = await call(w, endpoint);
    assert.is(res.status, NORMAL[endpoint], JSON.stringify(res.body));
    await w.h.close();
  });
}

test('403 on /token is UMA need_info: the ticket and redirect_user come back for the uma-ticket grant, and no RPT is issued', async () => {
  const w = await world();
  const t = await w.h.ticket(w.pat, w.rid);
  w.h.faults.add({ endpoint: 'token', status: 403 });
  const rpts = Object.keys(w.h.store.data.rpts).length;
  const res = await w.h.token({ grant_type: UMA_TICKET, ticket: t, claim_token: await w.h.rqp(), claim_token_format: 'pension_dashboard_rqp', scope: 'owner' });
  assert.is(res.status, 403);
  assert.equal(res.body, { error: 'need_info', error_description: INJECTED, ticket: t, redirect_user: true });
  assert.is(Object.keys(w.h.store.data.rpts).length, rpts);
  assert.is((await w.h.token({ grant_type: UMA_TICKET, ticket: t, claim_token: await w.h.rqp(), claim_token_format: 'pension_dashboard_rqp', scope: 'owner' })).status, 200);
  await w.h.close();
});

test('a fault on one endpoint leaves the others alone', async () => {
  const w = await world();
  w.h.faults.add({ endpoint: 'perm', status: 503 });
  assert.is((await call(w, 'introspect')).status, 200);
  assert.is((await call(w, 'rreguri-post')).status, 201);
  assert.equal(w.h.faults.list(), [{ endpoint: 'perm', status: 503, count: 1 }]);
  assertFault(await call(w, 'perm'), 'perm', 503);
  await w.h.close();
});

test('count=2 answers twice, then the call works; rules answer in order', async () => {
  const w = await world();
  w.h.faults.add({ endpoint: 'rreguri-post', status: 503, count: 2 });
  w.h.faults.add({ endpoint: 'rreguri-post', status: 500 });
  const before = w.h.store.resources().length;
  assertFault(await call(w, 'rreguri-post'), 'rreguri-post', 503);
  assert.equal(w.h.faults.list(), [{ endpoint: 'rreguri-post', status: 503, count: 1 }, { endpoint: 'rreguri-post', status: 500, count: 1 }]);
  assertFault(await call(w, 'rreguri-post'), 'rreguri-post', 503);
  assertFault(await call(w, 'rreguri-post'), 'rreguri-post', 500);
  assert.is(w.h.store.resources().length, before);
  const ok = await call(w, 'rreguri-post');
  assert.is(ok.status, 201);
  assert.is(w.h.store.resources().length, before + 1);
  await w.h.close();
});

test('until answers every call in the span (by the clock), then the call works', async () => {
  const w = await world();
  const until = new Date(w.h.clock.now() + 60_000).toISOString();
  w.h.faults.add({ endpoint: 'token', status: 502, until });
  for (let i = 0; i < 3; i++) {
    assertFault(await call(w, 'token'), 'token', 502);
    assert.is(w.h.store.patForUser(w.h.user('IT01').sub), undefined);
  }
  assert.equal(w.h.faults.list(), [{ endpoint: 'token', status: 502, until }]);
  w.h.clock.advance(60_000);
  assert.equal(w.h.faults.list(), []);
  const res = await call(w, 'token');
  assert.is(res.status, 200);
  assert.ok(w.h.store.patForUser(w.h.user('IT01').sub));
  await w.h.close();
});

test('a user-scoped rule hits only that user’s calls (PAT owner; assertion subject on /token)', async () => {
  const w = await world();
  const { h } = w;
  const other = await h.pat('IT02');
  h.faults.add({ endpoint: 'rreguri-post', status: 404, user: h.user('CP01').sub });
  const okOther = await h.register(other);
  assert.is(okOther.status, 201);
  const before = h.store.resources().length;
  assertFault(await h.register(w.pat), 'rreguri-post', 404);
  assert.is(h.store.resources().length, before);
  assert.is((await h.register(w.pat)).status, 201);

  h.faults.add({ endpoint: 'token', status: 401, user: h.user('IT01').sub });
  assert.is((await h.token({ grant_type: JWT_BEARER, assertion: await h.userToken('IT03'), scope: 'uma_protection' })).status, 200);
  assertFault(await call(w, 'token'), 'token', 401);
  assert.is(h.store.patForUser(h.user('IT01').sub), undefined);
  assert.is((await call(w, 'token')).status, 200);
  await h.close();
});

test('429 carries Retry-After within 2–10 s (random by default, or the rule’s own)', async () => {
  let r = 0;
  const w = await world({ random: () => r });
  for (const [random, expected] of [[0, '2'], [0.999, '10']] as const) {
    r = random;
    w.h.faults.add({ endpoint: 'perm', status: 429 });
    const res = await call(w, 'perm');
    assertFault(res, 'perm', 429);
    assert.is(res.headers['retry-after'], expected);
  }
  w.h.faults.add({ endpoint: 'token', status: 429, retryAfterSeconds: 7, code: 'invalid_request' });
  const res = await call(w, 'token');
  assert.is(res.status, 429);
  assert.equal(res.body, { error: 'invalid_request', error_description: INJECTED });
  assert.is(res.headers['retry-after'], '7');
  await w.h.close();

  const d = await world();
  d.h.faults.add({ endpoint: 'introspect', status: 429, count: 20 });
  for (let i = 0; i < 20; i++) {
    const s = Number((await call(d, 'introspect')).headers['retry-after']);
    assert.ok(Number.isInteger(s) && s >= 2 && s <= 10, String(s));
  }
  await d.h.close();
});

test('a rule’s own code and errors shape the problem', async () => {
  const w = await world();
  const errors = [{ code: 'USER_REMOVED', detail: 'the user was removed' }];
  w.h.faults.add({ endpoint: 'rreguri-patch', status: 404, code: 'USER_REMOVED', errors });
  const res = await call(w, 'rreguri-patch');
  assert.is(res.status, 404);
  assert.is(res.body.title, 'User Removed');
  assert.equal(res.body.errors, errors);
  assert.is(w.h.store.resource(w.rid)!.match_status, 'match-possible');
  await w.h.close();
});

test('each introspection fixture answers 200 with exactly its inconsistent body, once', async () => {
  const w = await world();
  const { h } = w;
  const consistent = (await call(w, 'introspect')).body;
  assert.is(consistent.active, true);
  assert.is(consistent.permissions.length, 1);
  const past = Math.floor(h.clock.now() / 1000) - 60;
  const expected: Record<string, unknown> = {
    inactive: { active: false },
    'wrong-token-type': { ...consistent, token_type: 'pension_dashboard_pmt' },
    'empty-permissions': { ...consistent, permissions: [] },
    'no-owner-scope': { ...consistent, permissions: [{ ...consistent.permissions[0], resource_scopes: ['value'] }] },
    'expired-token-active': { ...consistent, active: true, exp: past },
    'expired-permission': { ...consistent, permissions: [{ ...consistent.permissions[0], exp: past }] },
  };
  for (const fixture of INTROSPECTION_FIXTURES) {
    h.faults.add({ endpoint: 'introspect', fixture });
    const before = snapshot(h);
    const res = await call(w, 'introspect');
    assert.is(res.status, 200);
    assert.equal(res.body, expected[fixture], fixture);
    assert.is(snapshot(h), before);
    assert.equal((await call(w, 'introspect')).body, consistent, `${fixture} used up`);
  }
  await h.close();
});

test('a fixture waits for a known RPT the caller owns; an error rule before it answers first', async () => {
  const w = await world();
  const { h } = w;
  h.faults.add({ endpoint: 'introspect', fixture: 'empty-permissions' });
  const unknown = await h.introspect(w.pat, 'not-an-rpt');
  assert.equal(unknown.body, { active: false });
  const other = await h.introspect(await h.pat('IT02'), w.rpt);
  assert.is(other.status, 401);
  assert.equal(h.faults.list(), [{ endpoint: 'introspect', fixture: 'empty-permissions', count: 1 }]);
  h.faults.clear();
  h.faults.add({ endpoint: 'introspect', status: 500 });
  h.faults.add({ endpoint: 'introspect', fixture: 'inactive' });
  assertFault(await call(w, 'introspect'), 'introspect', 500);
  assert.equal((await call(w, 'introspect')).body, { active: false });
  assert.is((await call(w, 'introspect')).body.active, true);
  await h.close();
});

test('FaultRegistry.add refuses a bad rule', async () => {
  const h = await caHarness();
  assert.throws(() => h.faults.add({ endpoint: 'token', status: 418 } as unknown as FaultRule), /status/);
  assert.throws(() => h.faults.add({ endpoint: 'perm', fixture: 'inactive' } as unknown as FaultRule), /fixture/);
  assert.equal(h.faults.list(), []);
  await h.close();
});

test('admin API: add, list, clear and reset fault rules; bad rules are named', async () => {
  const { dir } = await sharedMaterial();
  const sim = await startSimulator({ stateDir: tempDir(), certsDir: dir, httpsPort: null, httpPort: 0, adminPort: 0, apis: { ca: await specApi('ca'), admin: await specApi('admin') } });
  const adminContract = new ContractChecker(await specApi('admin'));
  const caContract = new ContractChecker(await specApi('ca')).watch(sim.journal);
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.endpoints.admin}${path}`, { method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const json = await res.json();
    adminContract.check({
      seq: 0, time: '', direction: 'in', role: 'admin', method, url: path, path,
      requestHeaders: {}, status: res.status, responseHeaders: Object.fromEntries(res.headers), responseBody: json, durationMs: 0,
    });
    return { status: res.status, body: json };
  };
  const exchange = async (userId: string) => {
    const res = await fetch(`${sim.endpoints.http}/token`, {
      method: 'POST',
      headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: (await sim.mintUserToken(userId)).token, scope: 'uma_protection' }),
    });
    return { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') };
  };
  try {
    assert.equal(await admin('GET', '/admin/faults'), { status: 200, body: { faults: [] } });

    const fieldsOf = async (rule: unknown) => {
      const res = await admin('POST', '/admin/faults', rule);
      assert.is(res.status, 400, JSON.stringify(res.body));
      return res.body.errors.map((e: { field: string }) => e.field);
    };
    assert.equal(await fieldsOf({ endpoint: 'rreguri', status: 500 }), ['endpoint']);
    assert.equal(await fieldsOf({ endpoint: 'perm', status: 418 }), ['status']);
    assert.equal(await fieldsOf({ endpoint: 'perm' }), ['status']);
    assert.equal(await fieldsOf({ endpoint: 'perm', status: 500, retryAfterSeconds: 3 }), ['retryAfterSeconds']);
    assert.equal(await fieldsOf({ endpoint: 'token', fixture: 'inactive' }), ['fixture']);
    assert.equal(await fieldsOf({ endpoint: 'token', status: 400, code: 'NOPE' }), ['code']);
    assert.equal(await fieldsOf({ endpoint: 'token', status: 400, count: 0 }), ['count']);
    assert.equal(await fieldsOf({ endpoint: 'token', status: 400, until: '2000-01-01T00:00:00Z' }), ['until']);
    assert.equal(await fieldsOf({ endpoint: 'token', status: 400, colour: 'red' }), ['colour']);
    assert.equal((await admin('GET', '/admin/faults')).body, { faults: [] });

    const sub = sim.users.find((u) => u.id === 'IT01')!.sub;
    const added = await admin('POST', '/admin/faults', { endpoint: 'token', status: 429, user: 'IT01', count: 2 });
    assert.is(added.status, 201);
    assert.equal(added.body, { faults: [{ endpoint: 'token', status: 429, user: sub, count: 2 }] });
    const hit = await exchange('IT01');
    assert.is(hit.status, 429);
    assert.equal(hit.body, { error: 'temporarily_unavailable', error_description: INJECTED });
    assert.ok(Number(hit.retryAfter) >= 2 && Number(hit.retryAfter) <= 10, String(hit.retryAfter));
    assert.is(sim.store.patForUser(sub), undefined);
    assert.is((await exchange('IT02')).status, 200);
    assert.equal((await admin('GET', '/admin/faults')).body, { faults: [{ endpoint: 'token', status: 429, user: sub, count: 1 }] });

    assert.equal(await admin('DELETE', '/admin/faults'), { status: 200, body: { cleared: 1 } });
    assert.equal((await admin('GET', '/admin/faults')).body, { faults: [] });
    assert.is((await exchange('IT01')).status, 200);

    await admin('POST', '/admin/faults', { endpoint: 'introspect', fixture: 'inactive' });
    const reset = await admin('POST', '/admin/reset');
    assert.is(reset.status, 200);
    assert.is(reset.body.cleared.faults, 1);
    assert.equal((await admin('GET', '/admin/faults')).body, { faults: [] });
  } finally {
    await sim.close();
  }
  assert.equal(adminContract.violations, []);
  assert.equal(caContract.violations, []);
  assert.ok(caContract.checked >= 3, `checked ${caContract.checked}`);
});

test.run();
