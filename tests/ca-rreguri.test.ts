// POST/GET/PATCH/DELETE /rreguri: every registration rule of the C&A.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { caHarness } from './helpers/ca-harness.js';
import { peiName } from './helpers/fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('POST /rreguri registers: 201, resource_id, Location', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const inbound = randomUUID();
  const res = await h.register(pat, { match_status: 'match-possible', inbound_request_id: inbound });
  assert.is(res.status, 201);
  const id = res.body.resource_id;
  assert.match(res.headers.location, new RegExp(`/rreguri/${id}$`));
  const stored = h.store.resource(id)!;
  assert.is(stored.match_status, 'match-possible');
  assert.is(stored.inbound_request_id, inbound);
  assert.is(stored.owner, h.user('CP01').sub);
  await h.close();
});

test('resource_id is by default a UUID plus one trailing digit (the live C&A shape)', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const id = await h.registered(pat);
  assert.is(id.length, 37);
  assert.match(id.slice(0, 36), UUID);
  assert.match(id.slice(36), /^[0-9]$/);
  await h.close();
});

test('resourceIdFormat uuid gives strict UUIDs', async () => {
  const h = await caHarness({ config: { resourceIdFormat: 'uuid' } });
  const id = await h.registered(await h.pat('CP01'));
  assert.match(id, UUID);
  await h.close();
});

test('a repeat name from the same user answers 200 with the existing id and Location', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const name = peiName();
  const first = await h.register(pat, { name });
  const again = await h.register(pat, { name });
  assert.is(first.status, 201);
  assert.is(again.status, 200);
  assert.is(again.body.resource_id, first.body.resource_id);
  assert.match(again.headers.location, new RegExp(`/rreguri/${first.body.resource_id}$`));
  assert.is(h.store.resources().length, 1);
  await h.close();
});

test('a reused X-Request-ID answers 409 and registers nothing new', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const rid = randomUUID();
  assert.is((await h.register(pat, {}, rid)).status, 201);
  const again = await h.register(pat, { name: peiName() }, rid);
  assert.is(again.status, 409);
  assert.is(again.body.errors[0].code, 'REUSED_REQUEST_ID');
  assert.is(again.body.errors[0].field, 'X-Request-ID');
  assert.is(h.store.resources().length, 1);
  await h.close();
});

test('X-Request-ID reuse is matched case-insensitively', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const rid = randomUUID();
  await h.register(pat, {}, rid);
  assert.is((await h.register(pat, {}, rid.toUpperCase())).status, 409);
  await h.close();
});

test('a name another user registered is a 409, not a leak of their id', async () => {
  const h = await caHarness();
  const name = peiName();
  await h.register(await h.pat('IT01'), { name });
  const res = await h.register(await h.pat('IT02'), { name });
  assert.is(res.status, 409);
  assert.is(res.body.errors[0].code, 'NAME_REGISTERED_BY_ANOTHER_USER');
  assert.not.ok(JSON.stringify(res.body).includes(h.store.resources()[0].resource_id));
  await h.close();
});

test('registration validates name, description, match_status, resource_scopes and collects every violation', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const res = await h.register(pat, { name: 'urn:pei:not-a-guid:x', description: '', match_status: 'match-maybe', resource_scopes: ['owner', 'admin'], inbound_request_id: 'abc' });
  assert.is(res.status, 400);
  assert.is(res.headers['content-type'].split(';')[0], 'application/problem+json');
  const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
  assert.equal(fields, ['description', 'inbound_request_id', 'match_status', 'name', 'resource_scopes[1]']);
  const name = res.body.errors.find((e: { field: string }) => e.field === 'name');
  assert.match(name.detail, /urn:pei:<holdernameGuid>:<assetGuid>/);
  assert.is(h.store.resources().length, 0);
  await h.close();
});

test('GUIDs in braces are accepted in a PeI name (rreguri v1_2 pattern)', async () => {
  const h = await caHarness();
  const res = await h.register(await h.pat('CP01'), { name: `urn:pei:{${randomUUID()}}:{${randomUUID()}}` });
  assert.is(res.status, 201);
  await h.close();
});

test('missing required fields and unknown fields are named', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const res = await h.request
    .post('/rreguri')
    .set('X-Request-ID', randomUUID())
    .set('Authorization', `Bearer ${pat}`)
    .send({ name: peiName(), registration_reason: 'x' });
  assert.is(res.status, 400);
  const byField = Object.fromEntries(res.body.errors.map((e: { field: string; code: string }) => [e.field, e.code]));
  assert.equal(byField, { description: 'MISSING_FIELD', match_status: 'MISSING_FIELD', resource_scopes: 'MISSING_FIELD', registration_reason: 'UNKNOWN_FIELD' });
  await h.close();
});

test('GET /rreguri/{id} returns the registered PeI to its owner', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const name = peiName();
  const id = await h.registered(pat, { name, description: 'SCHEME A', resource_scopes: ['owner', 'value'] });
  const res = await h.request.get(`/rreguri/${id}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`);
  assert.is(res.status, 200);
  assert.equal(res.body, { resource_id: id, name, description: 'SCHEME A', match_status: 'match-yes', resource_scopes: ['owner', 'value'] });
  await h.close();
});

test('another user’s PAT gets 401 on GET, PATCH and DELETE; an unknown id 404', async () => {
  const h = await caHarness();
  const owner = await h.pat('IT01');
  const other = await h.pat('IT02');
  const id = await h.registered(owner, { match_status: 'match-possible' });
  const rid = () => randomUUID();
  const get = await h.request.get(`/rreguri/${id}`).set('X-Request-ID', rid()).set('Authorization', `Bearer ${other}`);
  const patch = await h.request.patch(`/rreguri/${id}`).set('X-Request-ID', rid()).set('Authorization', `Bearer ${other}`).send({ match_status: 'match-yes' });
  const del = await h.request.delete(`/rreguri/${id}?deletion_reason=match-no`).set('X-Request-ID', rid()).set('Authorization', `Bearer ${other}`);
  for (const r of [get, patch, del]) {
    assert.is(r.status, 401);
    assert.is(r.body.errors[0].code, 'NOT_OWNER');
  }
  assert.is(h.store.resource(id)!.match_status, 'match-possible');
  assert.not.ok(h.store.resource(id)!.deleted_at);
  const unknown = await h.request.get(`/rreguri/${randomUUID()}7`).set('X-Request-ID', rid()).set('Authorization', `Bearer ${owner}`);
  assert.is(unknown.status, 404);
  await h.close();
});

test('PATCH promotes a possible match to match-yes, and accepts no other status', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const id = await h.registered(pat, { match_status: 'match-possible' });
  const bad = await h.request.patch(`/rreguri/${id}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send({ match_status: 'match-possible' });
  assert.is(bad.status, 400);
  assert.is(bad.body.errors[0].field, 'match_status');
  assert.is(h.store.resource(id)!.match_status, 'match-possible');
  const inbound = randomUUID();
  const ok = await h.request.patch(`/rreguri/${id}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send({ match_status: 'match-yes', inbound_request_id: inbound });
  assert.is(ok.status, 200);
  assert.equal(ok.body, { resource_id: id });
  const r = h.store.resource(id)!;
  assert.is(r.match_status, 'match-yes');
  assert.is(r.history.at(-1)!.action, 'updated');
  assert.is(r.history.at(-1)!.inbound_request_id, inbound);
  await h.close();
});

// The deletion-reason / match-status table (harness v2.0.0: asset-removed from either status).
const table: [string, string, number][] = [
  ['match-possible', 'match-no', 204],
  ['match-possible', 'match-timeout', 204],
  ['match-possible', 'match-withdrawn', 400],
  ['match-possible', 'asset-removed', 204],
  ['match-yes', 'match-no', 400],
  ['match-yes', 'match-timeout', 400],
  ['match-yes', 'match-withdrawn', 204],
  ['match-yes', 'asset-removed', 204],
];
for (const [status, reason, expected] of table) {
  test(`DELETE ${reason} from ${status} → ${expected}`, async () => {
    const h = await caHarness();
    const pat = await h.pat('CP01');
    const id = await h.registered(pat, { match_status: status });
    const res = await h.request.delete(`/rreguri/${id}?deletion_reason=${reason}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`);
    assert.is(res.status, expected);
    const r = h.store.resource(id)!;
    if (expected === 204) {
      assert.is(r.deletion_reason, reason);
      assert.ok(r.deleted_at);
      assert.is(res.text, '');
    } else {
      assert.is(res.body.errors[0].code, 'INVALID_DELETION_REASON');
      assert.is(res.body.errors[0].field, 'deletion_reason');
      assert.not.ok(r.deleted_at);
    }
    await h.close();
  });
}

test('DELETE needs a known deletion_reason; a deleted PeI is gone and its name can be registered again', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const name = peiName();
  const id = await h.registered(pat, { name });
  const none = await h.request.delete(`/rreguri/${id}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`);
  assert.is(none.status, 400);
  assert.is(none.body.errors[0].field, 'deletion_reason');
  const odd = await h.request.delete(`/rreguri/${id}?deletion_reason=crystallised`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`);
  assert.is(odd.status, 400);
  assert.is((await h.request.delete(`/rreguri/${id}?deletion_reason=asset-removed`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`)).status, 204);
  const get = await h.request.get(`/rreguri/${id}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`);
  assert.is(get.status, 404);
  const twice = await h.request.delete(`/rreguri/${id}?deletion_reason=asset-removed`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`);
  assert.is(twice.status, 404);
  const again = await h.register(pat, { name });
  assert.is(again.status, 201);
  assert.is.not(again.body.resource_id, id);
  await h.close();
});

test('every /rreguri call needs a PAT: missing, malformed or unknown bearer → 401 naming Authorization', async () => {
  const h = await caHarness();
  const body = { name: peiName(), description: 'X', match_status: 'match-yes', resource_scopes: ['owner'] };
  const cases: [Record<string, string>, string][] = [
    [{}, 'MISSING_BEARER'],
    [{ Authorization: 'Bearer' }, 'INVALID_AUTHORIZATION'],
    [{ Authorization: 'Basic dXNlcjpwYXNz' }, 'INVALID_AUTHORIZATION'],
    [{ Authorization: 'Bearer not-a-pat' }, 'UNKNOWN_PAT'],
  ];
  for (const [headers, code] of cases) {
    const res = await h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set(headers).send(body);
    assert.is(res.status, 401, JSON.stringify(headers));
    assert.is(res.body.errors[0].code, code);
    assert.is(res.body.errors[0].field, 'Authorization');
    assert.match(res.headers['www-authenticate'], /^Bearer/);
  }
  assert.is(h.store.resources().length, 0);
  await h.close();
});

test('an expired PAT gets 401 EXPIRED_PAT', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  h.clock.advance((h.config.patLifetimeSeconds + 1) * 1000);
  const res = await h.register(pat);
  assert.is(res.status, 401);
  assert.is(res.body.errors[0].code, 'EXPIRED_PAT');
  await h.close();
});

test.run();
