// The pieces of the system-test phase that need no provider: the one fault registry behind the
// harness-compatible /configuration (C&A and reporting endpoints) and the admin API, slow answers,
// `--compat maps-harness`, driver-fault flags, and picking test cases with --only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { startSimulator, type Simulator } from '../simulator/server/simulator.js';
import { caHarness, JWT_BEARER } from './helpers/ca-harness.js';
import { sharedMaterial, specApi, tempDir } from './helpers/fixtures.js';
import { unwrapToken } from '../simulator/ca/compat.js';
import { parseDriverFault } from '../simulator/pfs/driver-faults.js';
import { parseDriverFaults, selectTestCases } from '../simulator/rehearsal/system-options.js';
import { loadScenario } from '../simulator/scenarios/engine.js';
import { rehearse } from './helpers/rehearse.js';
import { spawnSim } from './helpers/spawn-sim.js';

async function sim(): Promise<Simulator> {
  const { dir } = await sharedMaterial();
  return startSimulator({ stateDir: tempDir(), certsDir: dir, httpsPort: null, httpPort: 0, adminPort: 0, apis: { ca: await specApi('ca'), admin: await specApi('admin') } });
}

const json = (body: unknown) => ({ method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-ID': randomUUID() }, body: JSON.stringify(body) });

async function exchange(s: Simulator, userId: string) {
  const res = await fetch(`${s.endpoints.http}/token`, {
    method: 'POST',
    headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: (await s.mintUserToken(userId)).token, scope: 'uma_protection' }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('POST /configuration sets C&A faults in the one registry the admin API shows; an empty list clears it', async () => {
  const s = await sim();
  try {
    await fetch(`${s.endpoints.admin}/admin/faults`, json({ endpoint: 'perm', status: 500 }));
    const conf = await fetch(`${s.endpoints.http}/configuration`, json([
      { endpoint: '/token', status: 503, code: 'SERVICE_UNAVAILABLE', count: 1, errors: [{ code: 'SERVICE_UNAVAILABLE' }] },
      { endpoint: 'PATCH /rreguri', status: 429, code: 'TOO_MANY_REQUESTS', count: 2, errors: [{ code: 'TOO_MANY_REQUESTS' }] },
      { endpoint: '/view-response/request-number', status: 500, code: 'INTERNAL_SERVER_ERROR', count: 1, errors: [{ code: 'INTERNAL_SERVER_ERROR' }] },
    ]));
    assert.is(conf.status, 204);
    // The list replaced every rule, the admin one too: one registry, one contract.
    const listed = (await (await fetch(`${s.endpoints.admin}/admin/faults`)).json()) as { faults: Record<string, unknown>[] };
    assert.equal(listed.faults.map((f) => [f.endpoint, f.status, f.count]), [['token', 503, 1], ['rreguri-patch', 429, 2], ['view-response/request-number', 500, 1]]);
    const hit = await exchange(s, 'IT01');
    assert.is(hit.status, 503);
    assert.is(hit.body.error, 'temporarily_unavailable', 'a harness code on /token keeps the OAuth shape');
    assert.is((await exchange(s, 'IT01')).status, 200);
    assert.is((await fetch(`${s.endpoints.http}/configuration`, json([]))).status, 204);
    assert.equal(((await (await fetch(`${s.endpoints.admin}/admin/faults`)).json()) as { faults: unknown[] }).faults, []);
    // Bad entries are named by index and field; nothing changes.
    const errs = [{ code: 'X' }];
    const bad = await fetch(`${s.endpoints.http}/configuration`, json([{ endpoint: '/nowhere', status: 503, code: 'X', count: 1, errors: errs }, { endpoint: '/perm', status: 418, code: 'TEAPOT', count: 1, errors: errs }]));
    assert.is(bad.status, 400);
    const problem = (await bad.json()) as { detail: string; errors: { code: string }[] };
    assert.equal(problem.errors, [{ code: 'INVALID_ENDPOINT' }, { code: 'INVALID_STATUS' }]);
    assert.match(problem.detail, /^\[0\]\.endpoint: must be one of: .*; \[1\]\.status: on a C&A endpoint must be one the C&A documents declare: 400, 401, 403, 404/);
  } finally {
    await s.close();
  }
});

test('POST /configuration gives 403 on every C&A endpoint, GET /rreguri/{id} included, in the contract’s shape', async () => {
  const s = await sim();
  try {
    const http = s.endpoints.http!;
    const { token } = await s.mintUserToken('CP01');
    const form = (p: Record<string, string>) => ({ method: 'POST', headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(p) });
    const pat = ((await (await fetch(`${http}/token`, form({ grant_type: JWT_BEARER, assertion: token, scope: 'uma_protection' }))).json()) as { access_token: string }).access_token;
    const auth = (method: string, body?: unknown) => ({ method, headers: { 'X-Request-ID': randomUUID(), Authorization: `Bearer ${pat}`, 'Content-Type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const reg = await fetch(`${http}/rreguri`, auth('POST', { name: `urn:pei:${randomUUID()}:${randomUUID()}`, description: 'S', match_status: 'match-yes', resource_scopes: ['owner', 'value'] }));
    const rid = ((await reg.json()) as { resource_id: string }).resource_id;
    const forbidden = (endpoint: string) => ({ endpoint, status: 403, code: 'FORBIDDEN', count: 1, errors: [{ code: 'FORBIDDEN' }] });
    const calls: [string, () => Promise<Response>][] = [
      ['GET /rreguri', () => fetch(`${http}/rreguri/${rid}`, auth('GET'))],
      ['POST /rreguri', () => fetch(`${http}/rreguri`, auth('POST', { name: `urn:pei:${randomUUID()}:${randomUUID()}`, description: 'S', match_status: 'match-yes', resource_scopes: ['owner'] }))],
      ['PATCH /rreguri', () => fetch(`${http}/rreguri/${rid}`, auth('PATCH', { match_status: 'match-yes' }))],
      ['DELETE /rreguri', () => fetch(`${http}/rreguri/${rid}?deletion_reason=match-withdrawn`, auth('DELETE'))],
      ['/perm', () => fetch(`${http}/perm`, auth('POST', { resource_id: rid, resource_scopes: ['value', 'owner'] }))],
      ['/introspect', () => fetch(`${http}/introspect`, { ...auth('POST'), headers: { ...auth('POST').headers, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: 'x.y.z' }) })],
    ];
    assert.is((await fetch(`${http}/configuration`, json(calls.map(([e]) => forbidden(e))))).status, 204);
    for (const [endpoint, go] of calls) {
      const res = await go();
      assert.is(res.status, 403, endpoint);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, endpoint);
      assert.equal(((await res.json()) as { errors: { code: string }[] }).errors.map((e) => e.code), ['FORBIDDEN'], endpoint);
    }
    // Used up: GET answers the PeI again.
    assert.is((await fetch(`${http}/rreguri/${rid}`, auth('GET'))).status, 200);
    assert.is((await fetch(`${http}/configuration`, json([forbidden('/token')]))).status, 204);
    const t = await fetch(`${http}/token`, form({ grant_type: JWT_BEARER, assertion: token, scope: 'uma_protection' }));
    assert.is(t.status, 403);
    assert.is(((await t.json()) as { error: string }).error, 'need_info');
  } finally {
    await s.close();
  }
});

test('a slow rule answers normally, that much later; a bad delay is named', async () => {
  const s = await sim();
  try {
    const bad = await fetch(`${s.endpoints.admin}/admin/faults`, json({ endpoint: 'token', delayMs: 0 }));
    assert.is(bad.status, 400);
    assert.equal(((await bad.json()) as { errors: { field: string }[] }).errors.map((e) => e.field), ['delayMs']);
    assert.is((await fetch(`${s.endpoints.admin}/admin/faults`, json({ endpoint: 'token', delayMs: 400, user: 'IT02' }))).status, 201);
    const t0 = Date.now();
    const res = await exchange(s, 'IT02');
    assert.is(res.status, 200);
    assert.ok(Date.now() - t0 >= 390, `answered after ${Date.now() - t0} ms`);
  } finally {
    await s.close();
  }
});

test('--compat maps-harness: 400 "PAT not found", the missing-header message, bodiless injected faults, validation strings, wrapped RPTs and tickets', async () => {
  const h = await caHarness({ compat: 'maps-harness' });
  try {
    const unknown = await h.register('not-a-pat');
    assert.is(unknown.status, 400);
    assert.is(unknown.text, 'PAT not found');
    const noBearer = await h.request.post('/perm').set('X-Request-ID', randomUUID()).send({ resource_id: 'x', resource_scopes: ['value', 'owner'] });
    assert.is(noBearer.status, 400);
    assert.is(noBearer.text, 'PAT not found');
    const pat = await h.pat('CP01');
    const noId = await h.request.post('/rreguri').set('Authorization', `Bearer ${pat}`).send({ name: 'urn:pei:x', description: 'D', match_status: 'match-yes', resource_scopes: ['owner'] });
    assert.is(noId.status, 400);
    assert.is(noId.text, "Missing 'x-request-id'");
    const invalid = await h.register(pat, { name: 'urn:pei:not-guids' });
    assert.is(invalid.status, 400);
    assert.equal(invalid.body.map((e: string) => JSON.parse(e)), [{ field: 'name', rejectedValue: 'urn:pei:not-guids', reason: JSON.parse(invalid.body[0]).reason }]);
    const rid = await h.registered(pat);
    const other = await h.pat('IT01');
    const notOwner = await h.perm(other, rid);
    assert.is(notOwner.status, 401);
    assert.is(notOwner.text, '{"error":"The resource is not associated with the PAT"}');
    h.faults.add({ endpoint: 'rreguri-post', status: 503 });
    const injected = await h.register(pat);
    assert.is(injected.status, 503);
    assert.is(injected.text, '');
    // Tickets and RPTs are base64 JSON wrappers, and come back wrapped.
    const ticket = await h.ticket(pat, rid);
    assert.not.ok(ticket.includes('.'));
    assert.is(JSON.parse(Buffer.from(ticket, 'base64').toString()).token_type, 'pension_dashboard_pmt');
    const rpt = await h.rpt(ticket);
    const wrapper = JSON.parse(Buffer.from(rpt, 'base64').toString());
    assert.is(wrapper.token_type, 'pension_dashboard_rpt');
    assert.is(unwrapToken(rpt), wrapper.access_token);
    const intro = await h.introspect(pat, rpt);
    assert.is(intro.status, 200);
    assert.is(intro.body.active, true);
    assert.is(intro.body.permissions[0].resource_id, rid);
  } finally {
    await h.store.close();
    h.journal.close();
  }
});

test('cda-sim start --compat maps-harness says so, and answers an unknown PAT with 400 "PAT not found"', async () => {
  const { dir } = await sharedMaterial();
  const child = await spawnSim(['--state-dir', tempDir(), '--certs-dir', dir, '--https-port', '-1', '--http-port', '0', '--admin-port', '0', '--compat', 'maps-harness']);
  try {
    assert.match(child.output(), /compatibility:\s+maps-harness/);
    const res = await fetch(`${child.http}/perm`, { method: 'POST', headers: { 'X-Request-ID': randomUUID(), Authorization: 'Bearer nobody', 'Content-Type': 'application/json' }, body: JSON.stringify({ resource_id: 'x', resource_scopes: ['value', 'owner'] }) });
    assert.is(res.status, 400);
    assert.is(await res.text(), 'PAT not found');
    const status = (await (await fetch(`${child.admin}/admin/status`)).json()) as { compat?: string };
    assert.is(status.compat, 'maps-harness');
  } finally {
    assert.is(await child.stop(), 0);
  }
});

test('the reference provider passes connection proving against the harness-compatible C&A', async () => {
  const { dir } = await sharedMaterial();
  const { results, exitCode } = await rehearse({ stateDir: tempDir(), certsDir: dir, reportsDir: tempDir(), scenarios: ['connection-proving'], compat: 'maps-harness', progress: () => {} });
  assert.equal(results.testCases.filter((t) => t.verdict !== 'pass').map((t) => `${t.id}: ${t.reasons.join(' | ')}`), []);
  assert.is(exitCode, 0);
});

test('--fault flags are checked, naming the rule broken', () => {
  assert.equal(parseDriverFault('burst=7'), { name: 'burst', count: 7 });
  assert.equal(parseDriverFault('delayed-find'), { name: 'delayed-find' });
  assert.equal(parseDriverFault('slow-ca=250'), { name: 'slow-ca', delayMs: 250 });
  assert.throws(() => parseDriverFault('burst=1'), /a burst is 2–100 finds/);
  assert.throws(() => parseDriverFault('slow-ca=soon'), /whole number/);
  assert.throws(() => parseDriverFault('malformed-json=3'), /takes no delay/);
  assert.throws(() => parseDriverFault('gremlins'), /not a driver fault; known: delayed-find, duplicate-find/);
  assert.throws(() => parseDriverFaults(['burst', 'duplicate-find']), /one way of sending finds at a time/);
  assert.is(parseDriverFaults(['burst', 'slow-ca']).length, 2);
});

test('--only keeps the named cases, and the case whose steps a step-less case is judged on', () => {
  const [picked] = selectTestCases([loadScenario('system-test')], ['SYS-22c', 'SYS-TLS-08']);
  assert.equal(picked.testCases.map((t) => t.id), ['SYS-19', 'SYS-22c', 'SYS-TLS-08']);
  assert.throws(() => selectTestCases([loadScenario('system-test')], ['NOPE-1']), /matches no test case/);
});

test.run();
