// POST /perm (permission tickets) and POST /introspect (RPT introspection with the owning PAT).
// Every 4xx is an application/problem+json body whose errors[] name the field at fault.
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Response } from 'supertest';
import { caHarness, DASHBOARD_ISS, type CaHarness } from './helpers/ca-harness.js';

const nowSeconds = (h: CaHarness) => Math.floor(h.clock.now() / 1000);

/** A problem answer: status, problem+json, and an error naming `field` (exactly, or as its prefix for array items). */
function assertProblem(res: Response, status: number, field: string, code?: string): void {
  assert.is(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
  const body = JSON.parse(res.text) as { status: number; errors: { code: string; field?: string; detail: string }[] };
  assert.is(body.status, status);
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, 'errors[] is not empty');
  const named = body.errors.filter((e) => e.field === field || e.field?.startsWith(`${field}[`));
  assert.ok(named.length > 0, `an error names ${field}: ${JSON.stringify(body.errors)}`);
  for (const e of named) assert.ok(e.detail.length > 0, 'each error says the rule');
  if (code) assert.ok(named.some((e) => e.code === code), `an error on ${field} has code ${code}: ${JSON.stringify(body.errors)}`);
}

function postPerm(h: CaHarness, authorization: string | undefined, resourceId: string) {
  const req = h.request.post('/perm').set('X-Request-ID', randomUUID());
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req.send({ resource_id: resourceId, resource_scopes: ['value', 'owner'] });
}

/** IT01's PAT and a registered PeI (scopes owner, value and delegate, as the harness registers). */
async function owned(h: CaHarness) {
  const pat = await h.pat('IT01');
  const resourceId = await h.registered(pat);
  return { pat, resourceId };
}

/** IT01's PAT, a PeI and an RPT for it. */
async function withRpt(h: CaHarness) {
  const { pat, resourceId } = await owned(h);
  const rpt = await h.rpt(await h.ticket(pat, resourceId));
  return { pat, resourceId, rpt };
}

function deletePei(h: CaHarness, pat: string, resourceId: string) {
  return h.request.delete(`/rreguri/${resourceId}?deletion_reason=asset-removed`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`);
}

// ── /perm ───────────────────────────────────────────────────────────────────────────────────────

test('perm: 201 with a ticket that is an RSA-OAEP-256 / A128CBC-HS256 compact JWE', async () => {
  const h = await caHarness();
  const { pat, resourceId } = await owned(h);
  const res = await h.perm(pat, resourceId);
  assert.is(res.status, 201, JSON.stringify(res.body));
  assert.equal(Object.keys(res.body), ['ticket']);
  const parts = String(res.body.ticket).split('.');
  assert.is(parts.length, 5);
  const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  assert.is(header.alg, 'RSA-OAEP-256');
  assert.is(header.enc, 'A128CBC-HS256');
  await h.close();
});

test('perm: scopes owner + value are accepted in either order', async () => {
  const h = await caHarness();
  const { pat, resourceId } = await owned(h);
  for (const scopes of [['owner', 'value'], ['value', 'owner']]) {
    const res = await h.perm(pat, resourceId, scopes);
    assert.is(res.status, 201, `${JSON.stringify(scopes)}: ${JSON.stringify(res.body)}`);
    assert.type(res.body.ticket, 'string');
  }
  await h.close();
});

const badScopes: unknown[][] = [['value'], ['value', 'owner', 'delegate'], ['value', 'value'], ['owner', 'delegate']];
for (const scopes of badScopes) {
  test(`perm: resource_scopes ${JSON.stringify(scopes)} → 400 naming resource_scopes`, async () => {
    const h = await caHarness();
    const { pat, resourceId } = await owned(h);
    assertProblem(await h.perm(pat, resourceId, scopes), 400, 'resource_scopes');
    await h.close();
  });
}

test('perm: unknown resource_id → 404 naming resource_id', async () => {
  const h = await caHarness();
  const { pat } = await owned(h);
  assertProblem(await h.perm(pat, `${randomUUID()}7`), 404, 'resource_id', 'UNKNOWN_RESOURCE');
  await h.close();
});

test('perm: a deleted resource → 404 naming resource_id', async () => {
  const h = await caHarness();
  const { pat, resourceId } = await owned(h);
  assert.is((await deletePei(h, pat, resourceId)).status, 204);
  assertProblem(await h.perm(pat, resourceId), 404, 'resource_id', 'UNKNOWN_RESOURCE');
  await h.close();
});

test('perm: another user’s PAT → 401 NOT_OWNER', async () => {
  const h = await caHarness();
  const { resourceId } = await owned(h);
  const other = await h.pat('IT02');
  const res = await h.perm(other, resourceId);
  assertProblem(res, 401, 'Authorization', 'NOT_OWNER');
  assert.is(res.body.errors[0].code, 'NOT_OWNER');
  await h.close();
});

test('perm: missing Authorization → 401 MISSING_BEARER', async () => {
  const h = await caHarness();
  const { resourceId } = await owned(h);
  const res = await postPerm(h, undefined, resourceId);
  assertProblem(res, 401, 'Authorization', 'MISSING_BEARER');
  assert.match(res.headers['www-authenticate'] ?? '', /^Bearer/);
  await h.close();
});

test('perm: "Bearer" with no token → 401 naming Authorization', async () => {
  const h = await caHarness();
  const { resourceId } = await owned(h);
  assertProblem(await postPerm(h, 'Bearer', resourceId), 401, 'Authorization', 'INVALID_AUTHORIZATION');
  await h.close();
});

test('perm: a Basic Authorization → 401 naming Authorization', async () => {
  const h = await caHarness();
  const { resourceId } = await owned(h);
  assertProblem(await postPerm(h, 'Basic x', resourceId), 401, 'Authorization', 'INVALID_AUTHORIZATION');
  await h.close();
});

test('perm: an unknown PAT → 401 UNKNOWN_PAT', async () => {
  const h = await caHarness();
  const { resourceId } = await owned(h);
  assertProblem(await postPerm(h, 'Bearer not-a-pat-this-ca-issued', resourceId), 401, 'Authorization', 'UNKNOWN_PAT');
  await h.close();
});

test('perm: a PAT past its exp → 401 EXPIRED_PAT', async () => {
  const h = await caHarness();
  const { pat, resourceId } = await owned(h);
  h.clock.advance((h.config.patLifetimeSeconds + 1) * 1000);
  assertProblem(await h.perm(pat, resourceId), 401, 'Authorization', 'EXPIRED_PAT');
  await h.close();
});

// ── /introspect ─────────────────────────────────────────────────────────────────────────────────

test('introspect: the owning PAT sees an active RPT with its permissions', async () => {
  const h = await caHarness();
  const { pat, resourceId, rpt } = await withRpt(h);
  const res = await h.introspect(pat, rpt);
  assert.is(res.status, 200, JSON.stringify(res.body));
  const b = res.body;
  assert.is(b.active, true);
  assert.is(b.token_type, 'pension_dashboard_rpt');
  assert.type(b.exp, 'number');
  assert.ok(b.exp > nowSeconds(h), 'exp is in the future');
  assert.is(b.iss, DASHBOARD_ISS);
  assert.is(b.permissions.length, 1);
  const [p] = b.permissions;
  assert.is(p.resource_id, resourceId);
  assert.equal([...p.resource_scopes].sort(), ['owner', 'value']);
  assert.type(p.exp, 'number');
  assert.ok(p.exp > nowSeconds(h), 'the permission’s exp is in the future');
  await h.close();
});

test('introspect: delegate never appears, even for a PeI registered with it', async () => {
  const h = await caHarness();
  const { pat, resourceId, rpt } = await withRpt(h);
  assert.ok(h.store.resource(resourceId)!.resource_scopes.includes('delegate'), 'registered with delegate');
  const res = await h.introspect(pat, rpt);
  assert.is(res.status, 200);
  for (const p of res.body.permissions) {
    for (const s of p.resource_scopes) assert.ok(s === 'owner' || s === 'value', `scope ${s} is owner or value`);
  }
  await h.close();
});

test('introspect: an RPT past its lifetime → 200 {active:false} and nothing else', async () => {
  const h = await caHarness();
  const { pat, rpt } = await withRpt(h);
  h.clock.advance((h.config.rptLifetimeSeconds + 1) * 1000);
  const res = await h.introspect(pat, rpt);
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body, { active: false });
  await h.close();
});

test('introspect: a garbage token → 200 {active:false}', async () => {
  const h = await caHarness();
  const { pat } = await withRpt(h);
  const res = await h.introspect(pat, 'garbage');
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body, { active: false });
  await h.close();
});

test('introspect: a well-formed JWS this C&A never issued → 200 {active:false}', async () => {
  const h = await caHarness();
  const { pat } = await withRpt(h);
  const forged = await h.rqp({ token_type: 'pension_dashboard_rpt', jti: randomUUID() });
  const res = await h.introspect(pat, forged);
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body, { active: false });
  await h.close();
});

test('introspect: a PAT is not an RPT → 200 {active:false}', async () => {
  const h = await caHarness();
  const { pat } = await withRpt(h);
  const res = await h.introspect(pat, pat);
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body, { active: false });
  await h.close();
});

test('introspect: another user’s PAT → 401 NOT_OWNER', async () => {
  const h = await caHarness();
  const { rpt } = await withRpt(h);
  const other = await h.pat('IT02');
  assertProblem(await h.introspect(other, rpt), 401, 'Authorization', 'NOT_OWNER');
  await h.close();
});

test('introspect: a JSON body → 415 naming Content-Type', async () => {
  const h = await caHarness();
  const { pat, rpt } = await withRpt(h);
  const res = await h.request.post('/introspect').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send({ token: rpt });
  assertProblem(res, 415, 'Content-Type', 'UNSUPPORTED_MEDIA_TYPE');
  await h.close();
});

test('introspect: missing token field → 400 naming token', async () => {
  const h = await caHarness();
  const { pat } = await withRpt(h);
  const res = await h.request.post('/introspect').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).type('form').send({ token_type_hint: 'access_token' });
  assertProblem(res, 400, 'token', 'MISSING_FIELD');
  await h.close();
});

test('introspect: an empty form body → 400 naming token', async () => {
  const h = await caHarness();
  const { pat } = await withRpt(h);
  const res = await h.request.post('/introspect').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).type('form').send('');
  assertProblem(res, 400, 'token');
  await h.close();
});

test('introspect: missing X-Request-ID → 400 naming X-Request-ID', async () => {
  const h = await caHarness();
  const { pat, rpt } = await withRpt(h);
  const res = await h.request.post('/introspect').set('Authorization', `Bearer ${pat}`).type('form').send({ token: rpt });
  assertProblem(res, 400, 'X-Request-ID', 'MISSING_HEADER');
  await h.close();
});

test('introspect: a non-UUID X-Request-ID → 400 naming X-Request-ID', async () => {
  const h = await caHarness();
  const { pat, rpt } = await withRpt(h);
  const res = await h.request.post('/introspect').set('X-Request-ID', 'req-1').set('Authorization', `Bearer ${pat}`).type('form').send({ token: rpt });
  assertProblem(res, 400, 'X-Request-ID', 'INVALID_FORMAT');
  await h.close();
});

test('introspect: missing Authorization → 401 MISSING_BEARER', async () => {
  const h = await caHarness();
  const { rpt } = await withRpt(h);
  const res = await h.request.post('/introspect').set('X-Request-ID', randomUUID()).type('form').send({ token: rpt });
  assertProblem(res, 401, 'Authorization', 'MISSING_BEARER');
  await h.close();
});

test('introspect: a PAT past its exp → 401 EXPIRED_PAT', async () => {
  const h = await caHarness();
  const { pat, rpt } = await withRpt(h);
  h.clock.advance((h.config.patLifetimeSeconds + 1) * 1000);
  assertProblem(await h.introspect(pat, rpt), 401, 'Authorization', 'EXPIRED_PAT');
  await h.close();
});

test.run();
