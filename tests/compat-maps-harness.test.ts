// `--compat maps-harness`, row by row: scenarios/maps-harness.json lists every behaviour where the
// harness-compatible simulator answers differently from the default one. Each row is played here
// against two real simulators over HTTPS with mTLS (one default, one with compat) and must show
// the default answer on the one and the harness's on the other, so removing a compat behaviour, or
// making the default match it, fails its row. The README's compat table must be the file's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startSimulator, type Simulator } from '../simulator/server/simulator.js';
import { packageRoot } from '../simulator/core/paths.js';
import { createSigner } from '../simulator/crypto/jose.js';
import { tokenEndpoint } from '../simulator/ca/config.js';
import { unwrapToken, wrapToken } from '../simulator/ca/compat.js';
import type { UserTokenVariant } from '../simulator/pfs/user-token.js';
import { httpsRequest, type HttpsResult } from './helpers/https.js';
import { peiName, sharedMaterial, tempDir } from './helpers/fixtures.js';

interface Row {
  id: string;
  behaviour: string;
  default: string;
  harness: string;
  source: string;
  test: string;
}

const TEST_FILE = 'tests/compat-maps-harness.test.ts';
const rows: Row[] = JSON.parse(fs.readFileSync(path.join(packageRoot, 'scenarios', 'maps-harness.json'), 'utf8')).rows;
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const UMA_TICKET = 'urn:ietf:params:oauth:grant-type:uma-ticket';
const DASHBOARD_ISS = 'https://dashboard.cda-sim.localhost';
const H = 'd70f7b57-5fbc-46a9-8cf4-a97cb7cd67d3';

// ---------------------------------------------------------------- two simulators, one client

let sims: Promise<{ plain: Simulator; compat: Simulator }> | undefined;
function simulators() {
  sims ??= (async () => {
    const { dir } = await sharedMaterial();
    const start = (compat?: 'maps-harness') => startSimulator({ stateDir: tempDir(), certsDir: dir, httpsPort: 0, httpPort: null, adminPort: 0, mtls: 'need', ...(compat ? { compat } : {}) });
    return { plain: await start(), compat: await start('maps-harness') };
  })();
  return sims;
}

function call(s: Simulator, method: string, p: string, opts: { headers?: Record<string, string>; json?: unknown; form?: Record<string, string>; noRequestId?: boolean } = {}): Promise<HttpsResult> {
  const m = s.material;
  const headers: Record<string, string> = { ...(opts.noRequestId ? {} : { 'X-Request-ID': randomUUID() }), ...opts.headers };
  let body: string | undefined;
  if (opts.json !== undefined) [headers['Content-Type'], body] = ['application/json', JSON.stringify(opts.json)];
  if (opts.form) [headers['Content-Type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(opts.form).toString()];
  return httpsRequest(`${s.endpoints.https}${p}`, { method, headers, body, ca: m.ca.cert, cert: m.providerClient.cert, key: m.providerClient.key });
}

const bearer = (pat: string) => ({ Authorization: `Bearer ${pat}` });
const mediaType = (r: HttpsResult) => String(r.headers['content-type'] ?? '-').split(';')[0];
/** The answer as one line: status, media type, body. */
const line = (r: HttpsResult) => `${r.status} ${mediaType(r)} ${r.text}`;
/** A problem+json answer as one line: status, media type, first code. */
const problemLine = (r: HttpsResult) => (mediaType(r) === 'application/problem+json' ? `${r.status} problem ${r.json.errors[0].code}` : line(r));

async function userToken(s: Simulator, user: string, variant: UserTokenVariant = 'valid') {
  return (await s.mintUserToken(user, variant)).token;
}
async function pat(s: Simulator, user: string): Promise<string> {
  const r = await call(s, 'POST', '/token', { form: { grant_type: JWT_BEARER, assertion: await userToken(s, user), scope: 'uma_protection' } });
  assert.is(r.status, 200, r.text);
  return r.json.access_token;
}
function register(s: Simulator, p: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return call(s, 'POST', '/rreguri', { headers: { ...bearer(p), ...headers }, json: { name: peiName(), description: 'CDA-SIM TEST SCHEME', match_status: 'match-yes', resource_scopes: ['owner', 'value'], ...body } });
}
async function registered(s: Simulator, p: string): Promise<string> {
  const r = await register(s, p);
  assert.is(r.status, 201, r.text);
  return r.json.resource_id;
}
async function ticket(s: Simulator, p: string, rid: string): Promise<string> {
  const r = await call(s, 'POST', '/perm', { headers: bearer(p), json: { resource_id: rid, resource_scopes: ['value', 'owner'] } });
  assert.is(r.status, 201, r.text);
  return r.json.ticket;
}
async function rpt(s: Simulator, t: string): Promise<string> {
  const signer = await createSigner(s.material.keys.dashboard);
  const iat = Math.floor(Date.now() / 1000);
  const rqp = await signer.sign({ iss: DASHBOARD_ISS, sub: `session@${DASHBOARD_ISS}`, aud: tokenEndpoint(s.endpoints.issuer), iat, exp: iat + 60, jti: randomUUID(), role: 'owner' });
  const r = await call(s, 'POST', '/token', { form: { grant_type: UMA_TICKET, ticket: t, claim_token: rqp, claim_token_format: 'pension_dashboard_rqp', scope: 'owner' } });
  assert.is(r.status, 200, r.text);
  return r.json.access_token;
}
const introspect = (s: Simulator, p: string, token: string) => call(s, 'POST', '/introspect', { headers: bearer(p), form: { token } });
/** A world per call: a user with a PAT and a registered PeI. */
async function owned(s: Simulator, user = 'CP01') {
  const p = await pat(s, user);
  return { p, rid: await registered(s, p) };
}
/** A world whose RPT is unwrapped: the compact JWS inside whatever wrapper the mode gives. */
async function ownedBareRpt(s: Simulator) {
  const { p, rid } = await owned(s);
  return { p, bare: unwrapToken(await rpt(s, await ticket(s, p, rid))) };
}
const shape = (token: string) => (token.includes('.') ? 'compact' : JSON.parse(Buffer.from(token, 'base64').toString()).token_type);

const reportingCommon = () => ({ record_id: randomUUID(), submission_status: 'on time', reporting_period_start: '2026-05-01T00:00:00.000Z', submission_id: null, submission_reason: 'initial submission' });
const ZERO_COUNTS = { contact_count: 0, missingadmin_count: 0, temperror_count: 0, eri_unavail_ano_count: 0, eri_unavail_ppf_count: 0, eri_unavail_trn_count: 0, accrued_unavail_ano_count: 0, accrued_unavail_ppf_count: 0, accrued_unavail_trn_count: 0 };

// ---------------------------------------------------------------- one probe per row

interface Probe {
  play: (s: Simulator) => Promise<string>;
  plain: string | RegExp;
  harness: string | RegExp;
}

const PROBES: Record<string, Probe> = {
  'wrapped-tokens': {
    async play(s) {
      const { p, rid } = await owned(s);
      const t = await ticket(s, p, rid);
      const r = await rpt(s, t);
      const back = await introspect(s, p, r);
      return `ticket ${shape(t)}, rpt ${shape(r)}, introspected ${back.status} active=${back.json?.active}`;
    },
    plain: 'ticket compact, rpt compact, introspected 200 active=true',
    harness: 'ticket pension_dashboard_pmt, rpt pension_dashboard_rpt, introspected 200 active=true',
  },
  'bare-rpt-introspect': {
    async play(s) {
      const { p, bare } = await ownedBareRpt(s);
      const r = await introspect(s, p, bare);
      return r.status === 200 ? `200 active=${r.json.active}` : line(r);
    },
    plain: '200 active=true',
    harness: '400 text/plain Token is malformed and cannot be decoded',
  },
  'wrapped-rpt-bad-signature': {
    async play(s) {
      const { p, bare } = await ownedBareRpt(s);
      const payload = JSON.parse(Buffer.from(bare.split('.')[1], 'base64url').toString());
      const forged = wrapToken(await (await createSigner(s.material.keys.rogue)).sign(payload), 'pension_dashboard_rpt');
      return line(await introspect(s, p, forged));
    },
    plain: '200 application/json {"active":false}',
    harness: /^400 text\/plain token: the RPT inside the wrapper is not one this C&A signed$/,
  },
  'unknown-pat': {
    play: async (s) => problemLine(await call(s, 'POST', '/perm', { headers: bearer('not-a-pat'), json: { resource_id: 'x', resource_scopes: ['value', 'owner'] } })),
    plain: '401 problem UNKNOWN_PAT',
    harness: '400 text/plain PAT not found',
  },
  'missing-request-id': {
    async play(s) {
      const p = await pat(s, 'CP01');
      return problemLine(await call(s, 'POST', '/rreguri', { noRequestId: true, headers: bearer(p), json: { name: peiName(), description: 'D', match_status: 'match-yes', resource_scopes: ['owner'] } }));
    },
    plain: /^400 problem (MISSING_HEADER|MISSING_FIELD|REQUIRED)/,
    harness: "400 text/plain Missing 'x-request-id'",
  },
  'not-owner': {
    async play(s) {
      const { rid } = await owned(s);
      const other = await pat(s, 'IT01');
      return problemLine(await call(s, 'POST', '/perm', { headers: bearer(other), json: { resource_id: rid, resource_scopes: ['value', 'owner'] } }));
    },
    plain: '401 problem NOT_OWNER',
    harness: '401 application/json {"error":"The resource is not associated with the PAT"}',
  },
  'user-not-found': {
    async play(s) {
      const out = [];
      for (const variant of ['wrong-issuer', 'expired', 'bad-signature'] as const) {
        const r = await call(s, 'POST', '/token', { form: { grant_type: JWT_BEARER, assertion: await userToken(s, 'IT02', variant), scope: 'uma_protection' } });
        out.push(`${variant}: ${r.status} ${mediaType(r)} ${r.json?.error ?? r.text}`);
      }
      return out.join('; ');
    },
    plain: 'wrong-issuer: 400 application/json invalid_grant; expired: 400 application/json invalid_grant; bad-signature: 400 application/json invalid_grant',
    harness: 'wrong-issuer: 404 text/plain User not found; expired: 404 text/plain User not found; bad-signature: 400 application/json invalid_grant',
  },
  'scope-owner-501': {
    async play(s) {
      const r = await call(s, 'POST', '/token', { form: { grant_type: JWT_BEARER, assertion: await userToken(s, 'IT02'), scope: 'owner' } });
      return `${r.status} ${mediaType(r)} ${r.json?.error ?? r.text}`;
    },
    plain: '400 application/json invalid_scope',
    harness: '501 - ',
  },
  'plain-text-400': {
    async play(s) {
      const { p, rid } = await owned(s);
      return problemLine(await call(s, 'DELETE', `/rreguri/${rid}?deletion_reason=match-no`, { headers: bearer(p) }));
    },
    plain: '400 problem INVALID_DELETION_REASON',
    harness: '400 text/plain deletion_reason: match-no is allowed only for a match-possible PeI; this PeI is match-yes',
  },
  'plain-text-404': {
    async play(s) {
      const p = await pat(s, 'CP01');
      const unknown = `${randomUUID()}7`;
      const r = await call(s, 'POST', '/perm', { headers: bearer(p), json: { resource_id: unknown, resource_scopes: ['value', 'owner'] } });
      return problemLine(r).replace(unknown, '<id>');
    },
    plain: '404 problem UNKNOWN_RESOURCE',
    harness: '404 text/plain resource_id: no registered PeI has resource_id "<id>"',
  },
  'plain-text-409': {
    async play(s) {
      const p = await pat(s, 'CP01');
      const id = randomUUID();
      assert.is((await register(s, p, {}, { 'X-Request-ID': id })).status, 201);
      return problemLine(await register(s, p, {}, { 'X-Request-ID': id })).replace(id, '<id>');
    },
    plain: '409 problem REUSED_REQUEST_ID',
    harness: '409 text/plain X-Request-ID: <id> was already used for a registration; send a new UUID for every call',
  },
  'rreguri-validation-strings': {
    async play(s) {
      const p = await pat(s, 'CP01');
      const r = await register(s, p, { name: 'urn:pei:not-guids' });
      if (mediaType(r) === 'application/problem+json') return problemLine(r);
      const items = (r.json as unknown[]).map((x) => (typeof x === 'string' ? JSON.parse(x) : x));
      return `${r.status} ${mediaType(r)} ${(r.json as unknown[]).map((x) => typeof x).join(',')} ${items.map((i) => `${i.field}=${i.rejectedValue}`).join(',')}`;
    },
    plain: /^400 problem /,
    harness: '400 application/json string name=urn:pei:not-guids',
  },
  'shared-name-200': {
    async play(s) {
      const a = await pat(s, 'CP01');
      const name = peiName();
      const first = await register(s, a, { name });
      const b = await pat(s, 'IT01');
      const r = await register(s, b, { name });
      if (r.status !== 200) return problemLine(r);
      return `200 same id ${r.json.resource_id === first.json.resource_id}, location ${String(r.headers.location).endsWith(`/rreguri/${first.json.resource_id}`)}`;
    },
    plain: '409 problem NAME_REGISTERED_BY_ANOTHER_USER',
    harness: '200 same id true, location true',
  },
  'injected-faults-bodiless': {
    async play(s) {
      const { p, rid } = await owned(s);
      const set = await fetch(`${s.endpoints.admin}/admin/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ endpoint: 'perm', status: 503 }) });
      assert.is(set.status, 201);
      return problemLine(await call(s, 'POST', '/perm', { headers: bearer(p), json: { resource_id: rid, resource_scopes: ['value', 'owner'] } }));
    },
    plain: '503 problem SERVICE_UNAVAILABLE',
    harness: '503 - ',
  },
  'injected-token-400': {
    async play(s) {
      const conf = await call(s, 'POST', '/configuration', { json: [{ endpoint: '/token', status: 400, code: 'BAD_REQUEST', count: 1, errors: [{ code: 'BAD_REQUEST' }] }] });
      assert.is(conf.status, 204, conf.text);
      const r = await call(s, 'POST', '/token', { form: { grant_type: JWT_BEARER, assertion: await userToken(s, 'IT02'), scope: 'uma_protection' } });
      return r.json?.error_description ? `${r.status} ${mediaType(r)} ${r.json.error} (described)` : line(r);
    },
    plain: '400 application/json invalid_request (described)',
    harness: '400 application/json {"error":"invalid_grant"}',
  },
  'unavail-reason-hyphen': {
    async play(s) {
      const period = { start_date_ts: '2026-05-01T02:00:00.000Z', end_date_ts: '2026-05-01T02:30:00.000Z', unavail_scheduled: false, unavail_reason: 'un-planned outage' };
      return problemLine(await call(s, 'POST', '/service-availability/find', { json: { ...reportingCommon(), items: [{ [H]: [period] }] } })).replace(/"datetimestamp":"[^"]+"/, '"datetimestamp":"<t>"');
    },
    plain: '202 application/json {"message":"ACCEPTED","datetimestamp":"<t>"}',
    harness: '400 problem INVALID_UNAVAIL_REASON',
  },
  'accrued-ppf-code': {
    play: async (s) => problemLine(await call(s, 'POST', '/view-response/unavailable', { json: { ...reportingCommon(), holdernameGuid: H, ...ZERO_COUNTS, accrued_unavail_ppf_count: -1 } })),
    plain: '400 problem INVALID_UNAVAIL_PPF_COUNT',
    harness: '400 problem INVALID_ACCRUED_UNAVAIL_PPF_COUNT',
  },
};

const expectAnswer = (got: string, want: string | RegExp, what: string) => (typeof want === 'string' ? assert.is(got, want, what) : assert.match(got, want, what));

// ---------------------------------------------------------------- the file, the README, each row

test('scenarios/maps-harness.json has one row per probe, each with a source and naming its test here', () => {
  assert.equal(rows.map((r) => r.id).sort(), Object.keys(PROBES).sort());
  assert.is(new Set(rows.map((r) => r.id)).size, rows.length, 'no row twice');
  for (const r of rows) {
    for (const k of ['behaviour', 'default', 'harness', 'source'] as const) assert.ok(r[k]?.trim(), `${r.id}.${k}`);
    assert.is(r.test, `${TEST_FILE} › ${r.id}`);
  }
});

test("the README's compat table is scenarios/maps-harness.json's", () => {
  const readme = fs.readFileSync(path.join(packageRoot, 'README.md'), 'utf8');
  const table = /<!-- compat table: generated from scenarios\/maps-harness.json -->\n([\s\S]*?)<!-- end of compat table -->/.exec(readme)?.[1] ?? '';
  const want = ['| behaviour | default | `maps-harness` | described in | pinned by |', '| --- | --- | --- | --- | --- |', ...rows.map((r) => `| ${r.behaviour} | ${r.default} | ${r.harness} | ${r.source} | \`${r.id}\` |`)];
  assert.equal(table.trim().split('\n'), want);
});

for (const row of rows) {
  test(`${row.id}: ${row.behaviour}`, async () => {
    const probe = PROBES[row.id];
    assert.ok(probe, `a probe for ${row.id}`);
    const { plain, compat } = await simulators();
    expectAnswer(await probe.play(plain), probe.plain, 'the default answer');
    expectAnswer(await probe.play(compat), probe.harness, 'the harness-compatible answer');
  });
}

test('close the simulators', async () => {
  const { plain, compat } = await simulators();
  await plain.close();
  await compat.close();
});

test.run();
