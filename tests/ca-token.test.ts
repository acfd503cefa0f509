// POST /token: the jwt-bearer grant (user token → PAT) and the uma-ticket grant (ticket + RQP → RPT).
// Every refusal is checked for its status, its OAuth error code and a description naming the problem.
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Response } from 'supertest';
import { caHarness, JWT_BEARER, UMA_TICKET, type CaHarness } from './helpers/ca-harness.js';
import { tokenEndpoint } from '../simulator/ca/config.js';
import { createEncrypter } from '../simulator/crypto/jose.js';
import type { UserTokenVariant } from '../simulator/pfs/user-token.js';

function payloadOf(jws: string): Record<string, unknown> {
  const parts = jws.split('.');
  assert.is(parts.length, 3, 'a compact JWS has three parts');
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}

/** A refusal from /token: the status, the OAuth shape, and a description that names the problem. */
function assertOAuthError(res: Response, status: number, error: string, names: RegExp): void {
  assert.is(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  assert.is(res.body.error, error);
  assert.type(res.body.error_description, 'string');
  assert.match(res.body.error_description, names, `error_description ${JSON.stringify(res.body.error_description)} should match ${names}`);
  assert.is(res.body.access_token, undefined);
}

const patForm = async (h: CaHarness, id = 'IT01', variant: UserTokenVariant = 'valid') => ({
  grant_type: JWT_BEARER,
  assertion: await h.userToken(id, variant),
  scope: 'uma_protection',
});

/** A registered PeI owned by IT01, its PAT and a fresh ticket for it. */
async function ticketFixture(h: CaHarness) {
  const pat = await h.pat('IT01');
  const resourceId = await h.registered(pat);
  const ticket = await h.ticket(pat, resourceId);
  return { pat, resourceId, ticket };
}

const rptForm = async (h: CaHarness, ticket: string, extra: Record<string, string> = {}) => ({
  grant_type: UMA_TICKET,
  ticket,
  claim_token: await h.rqp(),
  claim_token_format: 'pension_dashboard_rqp',
  scope: 'owner',
  ...extra,
});

// ── jwt-bearer: success ─────────────────────────────────────────────────────────────────────────

test('jwt-bearer: a valid user token gets a PAT, no-store', async () => {
  const h = await caHarness();
  const res = await h.token(await patForm(h));
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.is(res.headers['cache-control'], 'no-store');
  assert.is(res.body.token_type, 'pension_dashboard_pat');
  assert.type(res.body.access_token, 'string');
  assert.equal(Object.keys(res.body).sort(), ['access_token', 'token_type']);
  await h.close();
});

test('jwt-bearer: the PAT is a JWS whose sub is the user’s sub', async () => {
  const h = await caHarness();
  const pat = await h.pat('IT02');
  assert.is(payloadOf(pat).sub, h.user('IT02').sub);
  await h.close();
});

test('jwt-bearer: parameters in the query string work too', async () => {
  const h = await caHarness();
  const assertion = await h.userToken('IT01');
  const qs = new URLSearchParams({ grant_type: JWT_BEARER, assertion, scope: 'uma_protection' });
  const res = await h.request.post(`/token?${qs}`).set('X-Request-ID', randomUUID());
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.is(res.body.token_type, 'pension_dashboard_pat');
  assert.is(payloadOf(res.body.access_token).sub, h.user('IT01').sub);
  await h.close();
});

test('jwt-bearer: a second exchange for the same user returns the same PAT', async () => {
  const h = await caHarness();
  const first = await h.pat('IT01');
  h.clock.advance(5_000);
  const second = await h.pat('IT01');
  assert.is(second, first);
  assert.is(Object.keys(h.store.data.pats).length, 1);
  await h.close();
});

test('jwt-bearer: two users get different PATs', async () => {
  const h = await caHarness();
  const a = await h.pat('IT01');
  const b = await h.pat('IT02');
  assert.is.not(a, b);
  assert.is.not(payloadOf(a).sub, payloadOf(b).sub);
  await h.close();
});

test('jwt-bearer: once the PAT has expired, a new exchange issues a new PAT that still owns the user’s PeIs', async () => {
  const h = await caHarness();
  const old = await h.pat('IT01');
  const resourceId = await h.registered(old);
  h.clock.advance((h.config.patLifetimeSeconds + 1) * 1000);
  const fresh = await h.pat('IT01');
  assert.is.not(fresh, old);
  assert.ok(Number(payloadOf(fresh).exp) > Math.floor(h.clock.now() / 1000), 'the new PAT is in date');
  assert.is((await h.perm(old, resourceId)).status, 401);
  assert.is((await h.perm(fresh, resourceId)).status, 201);
  await h.close();
});

test('jwt-bearer: scope absent is accepted', async () => {
  const h = await caHarness();
  const res = await h.token({ grant_type: JWT_BEARER, assertion: await h.userToken('IT01') });
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.is(res.body.token_type, 'pension_dashboard_pat');
  await h.close();
});

// ── parameter rules ─────────────────────────────────────────────────────────────────────────────

test('missing grant_type → 400 invalid_request', async () => {
  const h = await caHarness();
  const res = await h.token({ assertion: await h.userToken('IT01'), scope: 'uma_protection' });
  assertOAuthError(res, 400, 'invalid_request', /grant_type/);
  await h.close();
});

test('missing assertion → 400 invalid_request', async () => {
  const h = await caHarness();
  const res = await h.token({ grant_type: JWT_BEARER, scope: 'uma_protection' });
  assertOAuthError(res, 400, 'invalid_request', /assertion/);
  await h.close();
});

test('unknown grant_type → 400 unsupported_grant_type', async () => {
  const h = await caHarness();
  const res = await h.token({ grant_type: 'client_credentials', assertion: await h.userToken('IT01') });
  assertOAuthError(res, 400, 'unsupported_grant_type', /client_credentials/);
  await h.close();
});

test('jwt-bearer: scope other than uma_protection → 400 invalid_scope', async () => {
  const h = await caHarness();
  const res = await h.token({ ...(await patForm(h)), scope: 'owner' });
  assertOAuthError(res, 400, 'invalid_scope', /uma_protection/);
  assert.equal(h.store.data.pats, {});
  await h.close();
});

// ── jwt-bearer: assertions refused ──────────────────────────────────────────────────────────────

const refusedVariants: [UserTokenVariant, RegExp][] = [
  ['expired', /expired/],
  ['not-yet-valid', /not valid before|nbf/],
  ['bad-signature', /signature.*does not verify/],
  ['wrong-audience', /audience/],
  ['wrong-issuer', /has iss "/],
];
for (const [variant, names] of refusedVariants) {
  test(`jwt-bearer: a ${variant} user token → 400 invalid_grant`, async () => {
    const h = await caHarness();
    const res = await h.token(await patForm(h, 'IT01', variant));
    assertOAuthError(res, 400, 'invalid_grant', names);
    assert.match(res.body.error_description, /assertion/);
    assert.equal(h.store.data.pats, {});
    await h.close();
  });
}

test('jwt-bearer: a junk assertion → 400 invalid_grant', async () => {
  const h = await caHarness();
  const res = await h.token({ grant_type: JWT_BEARER, assertion: 'not-a-jwt', scope: 'uma_protection' });
  assertOAuthError(res, 400, 'invalid_grant', /assertion.*compact JWS/);
  await h.close();
});

test('jwt-bearer: a token signed by an unpublished key (its own kid) → 400 invalid_grant', async () => {
  const h = await caHarness();
  const now = Math.floor(h.clock.now() / 1000);
  const u = h.user('IT01');
  const assertion = await h.rogueSigner.sign({
    iss: h.config.pfsIssuer,
    aud: tokenEndpoint(h.urls.issuer),
    sub: u.sub,
    name: u.name,
    iat: now,
    nbf: now,
    exp: now + 60,
    jti: randomUUID(),
  });
  const res = await h.token({ grant_type: JWT_BEARER, assertion, scope: 'uma_protection' });
  assertOAuthError(res, 400, 'invalid_grant', /kid|JWKS/);
  assert.equal(h.store.data.pats, {});
  await h.close();
});

test('jwt-bearer: a PAT presented as the assertion → 400 invalid_grant (not a PFS key)', async () => {
  const h = await caHarness();
  const pat = await h.pat('IT01');
  const res = await h.token({ grant_type: JWT_BEARER, assertion: pat, scope: 'uma_protection' });
  assertOAuthError(res, 400, 'invalid_grant', /PFS/);
  await h.close();
});

test('jwt-bearer: a user token used 61 s after minting has expired → 400 invalid_grant', async () => {
  const h = await caHarness();
  const form = await patForm(h);
  h.clock.advance(61_000);
  const res = await h.token(form);
  assertOAuthError(res, 400, 'invalid_grant', /expired/);
  await h.close();
});

// ── transport rules ─────────────────────────────────────────────────────────────────────────────

test('missing X-Request-ID → 400 invalid_request naming X-Request-ID, no PAT', async () => {
  const h = await caHarness();
  const res = await h.request.post('/token').type('form').send(await patForm(h));
  assertOAuthError(res, 400, 'invalid_request', /X-Request-ID/);
  assert.equal(h.store.data.pats, {});
  await h.close();
});

test('non-UUID X-Request-ID → 400 invalid_request, no PAT', async () => {
  const h = await caHarness();
  const res = await h.token(await patForm(h), { 'X-Request-ID': 'request-1' });
  assertOAuthError(res, 400, 'invalid_request', /X-Request-ID/);
  assert.equal(h.store.data.pats, {});
  await h.close();
});

test('a JSON body → 415 invalid_request naming Content-Type, no PAT', async () => {
  const h = await caHarness();
  const res = await h.request.post('/token').set('X-Request-ID', randomUUID()).send(await patForm(h));
  assertOAuthError(res, 415, 'invalid_request', /Content-Type/);
  assert.equal(h.store.data.pats, {});
  await h.close();
});

test('a body over 1 MiB → 413 invalid_request, no PAT', async () => {
  const h = await caHarness();
  const res = await h.token({ ...(await patForm(h)), padding: 'x'.repeat(1024 * 1024 + 1) });
  assertOAuthError(res, 413, 'invalid_request', /1 MiB/);
  assert.equal(h.store.data.pats, {});
  await h.close();
});

// ── uma-ticket: success ─────────────────────────────────────────────────────────────────────────

test('uma-ticket: register → perm → ticket → RPT', async () => {
  const h = await caHarness();
  const { resourceId, ticket } = await ticketFixture(h);
  const res = await h.token(await rptForm(h, ticket));
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.is(res.headers['cache-control'], 'no-store');
  assert.is(res.body.token_type, 'pension_dashboard_rpt');
  assert.is(res.body.upgraded, false);
  const claims = payloadOf(res.body.access_token);
  assert.is(claims.token_type, 'pension_dashboard_rpt');
  assert.equal((claims.permissions as { resource_id: string }[]).map((p) => p.resource_id), [resourceId]);
  await h.close();
});

test('uma-ticket: the v1_2 typo claim_token_format pension_dashboad_rqp is accepted', async () => {
  const h = await caHarness();
  const { ticket } = await ticketFixture(h);
  const res = await h.token(await rptForm(h, ticket, { claim_token_format: 'pension_dashboad_rqp' }));
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.is(res.body.token_type, 'pension_dashboard_rpt');
  await h.close();
});

// ── uma-ticket: refusals ────────────────────────────────────────────────────────────────────────

test('uma-ticket: a wrong claim_token_format → 400 invalid_request', async () => {
  const h = await caHarness();
  const { ticket } = await ticketFixture(h);
  const res = await h.token(await rptForm(h, ticket, { claim_token_format: 'urn:ietf:params:oauth:token-type:jwt' }));
  assertOAuthError(res, 400, 'invalid_request', /claim_token_format/);
  await h.close();
});

test('uma-ticket: missing ticket → 400 invalid_request', async () => {
  const h = await caHarness();
  const { ticket: _unused, ...form } = await rptForm(h, 'unused');
  const res = await h.token(form);
  assertOAuthError(res, 400, 'invalid_request', /ticket/);
  await h.close();
});

test('uma-ticket: missing claim_token → 400 invalid_request', async () => {
  const h = await caHarness();
  const { ticket } = await ticketFixture(h);
  const { claim_token: _unused, ...form } = await rptForm(h, ticket);
  const res = await h.token(form);
  assertOAuthError(res, 400, 'invalid_request', /claim_token/);
  await h.close();
});

test('uma-ticket: a ticket used 61 s after issue has expired → 400 invalid_grant', async () => {
  const h = await caHarness();
  const { ticket } = await ticketFixture(h);
  h.clock.advance(61_000);
  const res = await h.token(await rptForm(h, ticket)); // the RQP is minted after the advance: still fresh
  assertOAuthError(res, 400, 'invalid_grant', /ticket.*expired/);
  assert.equal(h.store.data.rpts, {});
  await h.close();
});

test('uma-ticket: a garbage ticket → 400 invalid_grant', async () => {
  const h = await caHarness();
  await ticketFixture(h);
  const res = await h.token(await rptForm(h, 'aaaa.bbbb.cccc.dddd.eeee'));
  assertOAuthError(res, 400, 'invalid_grant', /ticket/);
  await h.close();
});

test('uma-ticket: a forged ticket, never issued by /perm, is refused even when the forger has the encryption key', async () => {
  // Only tickets /perm issued may be redeemed; otherwise a provider that skips /perm and puts a
  // ticket of its own in the 401 would pass the view test. Tickets are signed, then encrypted.
  const h = await caHarness();
  const pat = await h.pat('IT01');
  const resourceId = await h.registered(pat);
  const jwks = (await h.request.get('/jwk_uri')).body as { keys: Record<string, unknown>[] };
  assert.not.ok(jwks.keys.some((k) => k.use === 'enc'), 'the ticket encryption key is not published');
  const now = Math.floor(h.clock.now() / 1000);
  const claims = {
    jti: randomUUID(),
    sub: h.user('IT01').sub,
    resource_id: resourceId,
    resource_scopes: ['owner', 'value'],
    iat: now,
    exp: now + 60,
    iss: h.urls.issuer,
    token_type: 'pension_dashboard_pmt',
  };
  const encrypter = await createEncrypter(h.material.keys.caEncryption.public);
  for (const forged of [await encrypter.encrypt(claims), await encrypter.encryptJwt(await h.rogueSigner.sign(claims, { kid: 'ca-signing-key' }))]) {
    const res = await h.token(await rptForm(h, forged));
    assertOAuthError(res, 400, 'invalid_grant', /ticket/);
  }
  assert.equal(h.store.data.rpts, {});
  await h.close();
});

test('uma-ticket: an RQP signed by an unpublished key → 400 invalid_grant', async () => {
  const h = await caHarness();
  const { ticket } = await ticketFixture(h);
  const res = await h.token(await rptForm(h, ticket, { claim_token: await h.rqp({}, h.rogueSigner) }));
  assertOAuthError(res, 400, 'invalid_grant', /claim_token.*(kid|JWKS)/);
  await h.close();
});

test('uma-ticket: an expired RQP → 400 invalid_grant', async () => {
  const h = await caHarness();
  const { ticket } = await ticketFixture(h);
  const now = Math.floor(h.clock.now() / 1000);
  const res = await h.token(await rptForm(h, ticket, { claim_token: await h.rqp({ iat: now - 120, exp: now - 60 }) }));
  assertOAuthError(res, 400, 'invalid_grant', /claim_token.*expired/);
  await h.close();
});

test('uma-ticket: an RQP with the wrong aud → 400 invalid_grant', async () => {
  const h = await caHarness();
  const { ticket } = await ticketFixture(h);
  const res = await h.token(await rptForm(h, ticket, { claim_token: await h.rqp({ aud: 'https://elsewhere.invalid/token' }) }));
  assertOAuthError(res, 400, 'invalid_grant', /claim_token.*audience/);
  await h.close();
});

test('uma-ticket: scope other than owner → 400 invalid_scope', async () => {
  const h = await caHarness();
  const { ticket } = await ticketFixture(h);
  const res = await h.token(await rptForm(h, ticket, { scope: 'uma_protection' }));
  assertOAuthError(res, 400, 'invalid_scope', /owner/);
  await h.close();
});

test('uma-ticket: a ticket for a PeI deleted since → 400 invalid_grant', async () => {
  const h = await caHarness();
  const { pat, resourceId, ticket } = await ticketFixture(h);
  const del = await h.request
    .delete(`/rreguri/${resourceId}?deletion_reason=asset-removed`)
    .set('X-Request-ID', randomUUID())
    .set('Authorization', `Bearer ${pat}`);
  assert.is(del.status, 204, JSON.stringify(del.body));
  const res = await h.token(await rptForm(h, ticket));
  assertOAuthError(res, 400, 'invalid_grant', new RegExp(`${resourceId}.*no longer registered`));
  assert.equal(h.store.data.rpts, {});
  await h.close();
});

test.run();
