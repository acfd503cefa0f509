// The reference provider over real loopback sockets: the real C&A (startSimulator, HTTPS with
// mTLS) on one side, find requests and the dashboard's view dance on the other, every hop over
// TLS with certificates from the cda-sim CA.
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../simulator/core/clock.js';
import { createSigner, createVerifier, decodeUnverified, generateKeyPair, type KeyPair, type Signer } from '../simulator/crypto/jose.js';
import { call, type CallResult } from '../simulator/http/client.js';
import { buildFindRequest, FIND_VARIANTS, type FindVariant } from '../simulator/pfs/find-request.js';
import { tokenEndpoint } from '../simulator/ca/config.js';
import { startSimulator, type Simulator } from '../simulator/server/simulator.js';
import { readJournal } from '../simulator/store/journal.js';
import { loadTestData, peiNameOf, type PensionRecord, type TestDataPack } from '../simulator/testdata/records.js';
import { startReferenceProvider, type ProviderFault, type ReferenceProvider } from '../simulator/provider/reference-provider.js';
import { parseUmaChallenge } from '../simulator/dashboard/dashboard-driver.js';
import { sharedMaterial, specApi, tempDir } from './helpers/fixtures.js';

// ── a small test data pack (the shipped scenarios/testdata.json is not needed) ──────────────────
// Members follow the seeded test users in scenarios/test-users.json.
const HOLDERNAME_GUID = '5b1f7c3e-2a4d-4e8f-9c10-3d4e5f6a7b8c';

function pensionRecord(recordId: string, assetGuid: string, schemeName: string, member: PensionRecord['member']): PensionRecord {
  return {
    recordId,
    holdernameGuid: HOLDERNAME_GUID,
    assetGuid,
    schemeName,
    member,
    possibleMatchReference: `PM-${recordId}`,
    viewData: {
      arrangements: [
        {
          possibleMatch: false,
          pensionReference: `REF-${recordId}`,
          pensionProviderSchemeName: schemeName,
          pensionType: 'DC',
          pensionAdministrator: { name: 'CDA-SIM ADMINISTRATION LTD', contactMethods: [{ preferred: true, contactMethodDetails: { email: 'pensions@example.com' } }] },
        },
      ],
    },
  };
}

const RECORDS: PensionRecord[] = [
  pensionRecord('IT01', '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e01', 'CDA-SIM MASTER TRUST', { firstName: 'Oliver', lastName: 'Bradshaw', dateOfBirth: '1968-07-02', postcode: 'hg1 1aa' }),
  pensionRecord('IT02-A', '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e02', 'CDA-SIM MASTER TRUST', { firstName: 'PRIYA', lastName: 'NAIR', dateOfBirth: '1971-11-23', postcode: 'M1 1AE' }),
  // Matched through the find's non-current address.
  pensionRecord('IT02-B', '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e03', 'CDA-SIM GROUP PERSONAL PENSION', { firstName: 'PRIYA', lastName: 'NAIR', dateOfBirth: '1971-11-23', postcode: 'SK11AA' }),
  // Date of birth differs: possible (b).
  pensionRecord('IT03', '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e04', 'CDA-SIM FINAL SALARY SCHEME', { firstName: 'GRAHAM', lastName: 'TULLOCH', dateOfBirth: '1959-05-30', postcode: 'EH1 1AA' }),
  // Held under the member's previous surname.
  pensionRecord('IT09', '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e05', 'CDA-SIM MASTER TRUST', { firstName: 'EMMA', lastName: 'PEMBERTON', dateOfBirth: '1979-05-21', postcode: 'YO1 1AA' }),
  // Only the NINO agrees: possible (c).
  pensionRecord('IT10', '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e06', 'CDA-SIM STAKEHOLDER PLAN', { firstName: 'R', lastName: 'DAVIES', dateOfBirth: '1973-01-09', postcode: 'CF1 1AA', nino: 'QQ 55 66 77 B' }),
];

const TEST_PACK: TestDataPack = { version: 1, holdernames: [{ holdernameGuid: HOLDERNAME_GUID, name: 'CDA-SIM PENSIONS' }], records: RECORDS, expectations: [] };

const record = (id: string): PensionRecord => RECORDS.find((r) => r.recordId === id)!;

const DASHBOARD_ISS = 'https://dashboard.cda-sim.localhost';
let viewKey: Promise<KeyPair> | undefined;

interface Env {
  sim: Simulator;
  provider: ReferenceProvider;
  clock: ManualClock;
  pfsSigner: Signer;
  rogueSigner: Signer;
  dashboardSigner: Signer;
  /** What cda-sim (PFS, dashboard) presents to the provider. */
  cdaTls: { ca: string; cert: string; key: string };
  logs: string[];
  /** Stop the provider and start it again with the same options (and state file). */
  restartProvider(): Promise<void>;
  close(): Promise<void>;
}

interface SetupOptions {
  faults?: ProviderFault[];
  stateFile?: string;
  testData?: TestDataPack;
}

async function setup(opts: SetupOptions = {}): Promise<Env> {
  const { dir, material } = await sharedMaterial();
  const clock = new ManualClock(Date.now());
  const sim = await startSimulator({ stateDir: tempDir(), certsDir: dir, httpsPort: 0, httpPort: 0, adminPort: 0, mtls: 'need', clock, apis: { ca: await specApi('ca'), admin: await specApi('admin') } });
  const logs: string[] = [];
  viewKey ??= generateKeyPair('reference-provider-view-key', 'sig');
  const signingKey = await viewKey;
  const start = () =>
    startReferenceProvider({
      tls: { cert: material.server.cert, key: material.server.key, clientCa: [material.ca.cert] },
      ca: {
        baseUrl: sim.endpoints.https!,
        issuer: sim.endpoints.issuer,
        jwksUrl: `${sim.endpoints.https}/jwk_uri`,
        tls: { ca: material.ca.cert, cert: material.providerClient.cert, key: material.providerClient.key },
      },
      pfsIssuer: sim.config.pfsIssuer,
      testData: opts.testData ?? TEST_PACK,
      signingKey,
      stateFile: opts.stateFile,
      faults: opts.faults,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
      clock,
      log: (l) => logs.push(l),
    });
  const env: Env = {
    sim,
    provider: await start(),
    clock,
    pfsSigner: await createSigner(material.keys.pfs),
    rogueSigner: await createSigner(material.keys.rogue),
    dashboardSigner: await createSigner(material.keys.dashboard),
    cdaTls: { ca: material.ca.cert, cert: material.cdaClient.cert, key: material.cdaClient.key },
    logs,
    async restartProvider() {
      await env.provider.close();
      env.provider = await start();
    },
    async close() {
      await env.provider.close();
      await sim.close();
    },
  };
  return env;
}

/** A test with its own C&A and provider, both closed whatever happens (a failed assertion must not leave servers running). */
function scenario(name: string, fn: (env: Env) => Promise<void>, opts: SetupOptions = {}): void {
  test(name, async () => {
    const env = await setup(opts);
    try {
      await fn(env);
    } finally {
      await env.close();
    }
  });
}

async function sendFind(env: Env, userId: string, variant: FindVariant = 'valid') {
  const user = env.sim.users.find((u) => u.id === userId)!;
  const request = await buildFindRequest({
    user,
    clock: env.clock,
    pfsSigner: env.pfsSigner,
    rogueSigner: env.rogueSigner,
    pfsIssuer: env.sim.config.pfsIssuer,
    caTokenEndpoint: tokenEndpoint(env.sim.endpoints.issuer),
    findUrl: env.provider.findUrl,
    variant,
  });
  const response = await call({ method: 'POST', url: request.url, headers: request.headers, body: request.body, tls: env.cdaTls, timeoutMs: 5000 });
  return { user, request, response };
}

/** A find that must be accepted, then waited for. */
async function found(env: Env, userId: string) {
  const sent = await sendFind(env, userId);
  assert.is(sent.response.status, 202, sent.response.text);
  await env.provider.idle();
  return sent;
}

const live = (env: Env) => env.sim.store.resources().filter((r) => !r.deleted_at);
const byName = (env: Env, r: PensionRecord) => live(env).find((x) => x.name === peiNameOf(r));

function view(env: Env, assetGuid: string, opts: { bearer?: string; authorization?: string; query?: string; requestId?: string } = {}): Promise<CallResult> {
  const headers: Record<string, string> = { 'X-Request-ID': opts.requestId ?? randomUUID(), Accept: 'application/json' };
  if (opts.authorization !== undefined) headers.Authorization = opts.authorization;
  else if (opts.bearer) headers.Authorization = `Bearer ${opts.bearer}`;
  return call({ method: 'GET', url: `${env.provider.viewUrl}/${assetGuid}${opts.query ?? '?scope=owner'}`, headers, tls: env.cdaTls, timeoutMs: 5000 });
}

/** The dashboard's step 11: swap a ticket for an RPT at the C&A, with an RQP signed by the dashboard key. */
async function rptFor(env: Env, ticket: string): Promise<string> {
  const iat = Math.floor(env.clock.now() / 1000);
  const rqp = await env.dashboardSigner.sign({ iss: DASHBOARD_ISS, sub: `session-1@${DASHBOARD_ISS}`, aud: tokenEndpoint(env.sim.endpoints.issuer), iat, exp: iat + 60, jti: randomUUID() });
  const res = await call({
    method: 'POST',
    url: `${env.sim.endpoints.https}/token`,
    headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:uma-ticket', ticket, claim_token: rqp, claim_token_format: 'pension_dashboard_rqp', scope: 'owner' }).toString(),
    tls: env.cdaTls,
    timeoutMs: 5000,
  });
  assert.is(res.status, 200, res.text);
  return (res.json as { access_token: string }).access_token;
}

/** Steps 8–11 by hand: view without a bearer, read the challenge, get an RPT. */
async function challengeAndRpt(env: Env, assetGuid: string) {
  const first = await view(env, assetGuid);
  assert.is(first.status, 401, first.text);
  const challenge = parseUmaChallenge(first.headers['www-authenticate']);
  assert.ok(challenge?.ticket, `a ticket in ${first.headers['www-authenticate']}`);
  return { first, challenge: challenge!, rpt: await rptFor(env, challenge!.ticket!) };
}

/** The provider's PAT exchanges at the C&A (not the dashboard's RPT exchanges, which use /token too). */
async function patExchanges(env: Env) {
  const calls = await readJournal(env.sim.journal.file, { path: '/token' });
  return calls.filter((e) => (e.requestBody as { grant_type?: string } | undefined)?.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer');
}

const noViewData = (res: CallResult) => assert.not.ok((res.json as Record<string, unknown> | undefined)?.view_data_token, `no view data in ${res.text}`);

// ── find and register ───────────────────────────────────────────────────────────────────────────

scenario('definite match: 202, then one PeI registered match-yes with the scheme name and the find’s X-Request-ID', async (env) => {
  const { request, user } = await found(env, 'IT01');
  const pei = byName(env, record('IT01'));
  assert.ok(pei, `registered ${peiNameOf(record('IT01'))}`);
  assert.is(pei!.match_status, 'match-yes');
  assert.is(pei!.description, record('IT01').schemeName);
  assert.is(pei!.inbound_request_id, request.requestId);
  assert.equal(pei!.resource_scopes, ['owner', 'value', 'delegate']);
  assert.is(pei!.owner, user.sub);
  assert.is(live(env).length, 1);
});

scenario('one find can match several pensions, and a previous surname counts', async (env) => {
  await found(env, 'IT02');
  await found(env, 'IT09');
  for (const id of ['IT02-A', 'IT02-B', 'IT09']) assert.is(byName(env, record(id))?.match_status, 'match-yes', id);
  assert.is(live(env).length, 3);
});

scenario('possible match: a different date of birth, or only the NINO agreeing, registers match-possible', async (env) => {
  await found(env, 'IT03');
  await found(env, 'IT10');
  assert.is(byName(env, record('IT03'))?.match_status, 'match-possible');
  assert.is(byName(env, record('IT10'))?.match_status, 'match-possible');
  assert.is(live(env).length, 2);
});

scenario('no match: 202, nothing registered and no call to the C&A at all', async (env) => {
  await found(env, 'IT08');
  assert.is(live(env).length, 0);
  const journal = await readJournal(env.sim.journal.file, { direction: 'in', role: 'ca' });
  assert.equal(journal.filter((e) => e.path !== '/jwk_uri').map((e) => e.path), [], 'only the JWKS was fetched');
});

scenario('one PAT per user: a second find for the same user reuses it, and the C&A’s 200 for a known PeI is a success', async (env) => {
  await found(env, 'IT01');
  await found(env, 'IT01');
  assert.is((await patExchanges(env)).length, 1, 'one /token exchange');
  const regs = await readJournal(env.sim.journal.file, { path: '/rreguri' });
  assert.equal(regs.map((e) => e.status), [201, 200]);
  assert.is.not(regs[0].requestId, regs[1].requestId, 'a fresh X-Request-ID per registration');
  assert.is(live(env).length, 1);
});

for (const variant of FIND_VARIANTS.filter((v) => v !== 'valid')) {
  scenario(`invalid find (${variant}): 4xx naming the problem, nothing registered, no PAT asked for`, async (env) => {
    const { response } = await sendFind(env, 'IT01', variant);
    assert.ok(response.status >= 400 && response.status < 500, `${response.status} ${response.text}`);
    const body = response.json as { errors?: { code: string; detail: string }[] } | undefined;
    assert.ok(body?.errors?.length, `an error body: ${response.text}`);
    await env.provider.idle();
    assert.is(live(env).length, 0);
    assert.is((await patExchanges(env)).length, 0);
  });
}

scenario('a find whose request_id differs from X-Request-ID is refused', async (env) => {
  const { request } = await sendFind(env, 'IT08'); // any valid find, to borrow its body
  const res = await call({ method: 'POST', url: request.url, headers: { ...request.headers, 'X-Request-ID': randomUUID() }, body: request.body, tls: env.cdaTls, timeoutMs: 5000 });
  assert.is(res.status, 400);
  assert.match(res.text, /request_id/);
});

test('the shipped test data pack: every test user’s find registers exactly what its expectation says', async () => {
  const pack = loadTestData();
  const env = await setup({ testData: pack });
  try {
    for (const e of pack.expectations) {
      const { user } = await found(env, e.user);
      const mine = live(env).filter((r) => r.owner === user.sub);
      const want = pack.records.filter((r) => e.records.includes(r.recordId)).map((r) => `${peiNameOf(r)} ${e.outcome}`).sort();
      assert.equal(mine.map((r) => `${r.name} ${r.match_status}`).sort(), want, `${e.user}: ${e.reason}`);
      for (const r of mine) assert.is(r.description, pack.records.find((x) => peiNameOf(x) === r.name)!.schemeName, `${e.user}: description`);
    }
  } finally {
    await env.close();
  }
});

// ── view ───────────────────────────────────────────────────────────────────────────────────────

scenario('the view dance: 401 UMA challenge from /perm with the owner’s PAT, RPT, 200 signed view data', async (env) => {
  const { user } = await found(env, 'IT01');
  const r = record('IT01');
  const { first, challenge, rpt } = await challengeAndRpt(env, r.assetGuid);
  assert.ok(challenge.umaScheme, 'UMA scheme word');
  assert.is(challenge.realm, 'pensions-dashboards');
  assert.is(challenge.asUri, env.sim.endpoints.issuer);
  noViewData(first);

  const res = await view(env, r.assetGuid, { bearer: rpt });
  assert.is(res.status, 200, res.text);
  const token = (res.json as { view_data_token: string }).view_data_token;
  const verified = await (await createVerifier(env.provider.publicJwks.keys)).verify(token);
  assert.is(verified.header.alg, 'RS256');
  assert.is(verified.header.kid, 'reference-provider-view-key');
  const c = verified.payload;
  assert.is(c.iss, 'cda-sim-reference-provider');
  assert.is(c.aud, tokenEndpoint(env.sim.endpoints.issuer));
  assert.is(c.sub, `${HOLDERNAME_GUID}:${r.assetGuid}`);
  assert.is(c.nbf, c.iat);
  assert.is((c.exp as number) - (c.iat as number), 600);
  assert.type(c.jti, 'string');
  assert.equal(c.view_data, r.viewData);

  // /perm and /introspect used the PAT of the user who owns the PeI.
  const pat = env.sim.store.patForUser(user.sub)!.token;
  for (const path of ['/perm', '/introspect']) {
    const calls = await readJournal(env.sim.journal.file, { path });
    assert.is(calls.length, 1, path);
    assert.is(calls[0].requestHeaders.authorization, `Bearer ${pat}`, path);
  }
  // The published JWKS is the same key.
  const jwks = await call({ method: 'GET', url: env.provider.jwksUrl, tls: env.cdaTls });
  assert.equal(jwks.json, env.provider.publicJwks);
});

scenario('a possible match shows only the limited arrangement', async (env) => {
  await found(env, 'IT03');
  const r = record('IT03');
  const { rpt } = await challengeAndRpt(env, r.assetGuid);
  const res = await view(env, r.assetGuid, { bearer: rpt });
  assert.is(res.status, 200, res.text);
  const claims = decodeUnverified((res.json as { view_data_token: string }).view_data_token)!.payload;
  assert.equal(claims.view_data, {
    arrangements: [{ possibleMatch: true, possibleMatchReference: r.possibleMatchReference, pensionProviderSchemeName: r.schemeName, pensionAdministrator: r.viewData.arrangements[0].pensionAdministrator }],
  });
});

scenario('"Bearer" with no token is no bearer: 401 challenge', async (env) => {
  await found(env, 'IT01');
  const res = await view(env, record('IT01').assetGuid, { authorization: 'Bearer' });
  assert.is(res.status, 401);
  assert.ok(parseUmaChallenge(res.headers['www-authenticate'])?.ticket);
});

scenario('unknown asset → 404; a record with no registered PeI → 404', async (env) => {
  assert.is((await view(env, randomUUID())).status, 404);
  assert.is((await view(env, record('IT01').assetGuid)).status, 404);
});

scenario('bad view requests → 400: scope missing or not owner, asset not a GUID, X-Request-ID not a UUID', async (env) => {
  await found(env, 'IT01');
  const asset = record('IT01').assetGuid;
  for (const [what, res] of [
    ['scope=value', await view(env, asset, { query: '?scope=value' })],
    ['no scope', await view(env, asset, { query: '' })],
    ['asset not a GUID', await view(env, 'not-a-guid')],
    ['X-Request-ID not a UUID', await view(env, asset, { requestId: 'view-1' })],
  ] as const) {
    assert.is(res.status, 400, `${what}: ${res.text}`);
  }
});

scenario('mTLS: the provider refuses a caller without a client certificate, or with a foreign one', async (env) => {
  const { material } = await sharedMaterial();
  for (const tls of [{ ca: material.ca.cert }, { ca: material.ca.cert, cert: material.foreignClient.cert, key: material.foreignClient.key }]) {
    let failed: Error | undefined;
    try {
      await call({ method: 'GET', url: env.provider.jwksUrl, tls, timeoutMs: 5000 });
    } catch (err) {
      failed = err as Error;
    }
    assert.ok(failed, 'the call must fail in the TLS handshake');
  }
});

scenario('an RPT for another of the same user’s PeIs → 403, no data', async (env) => {
  await found(env, 'IT02');
  const { rpt } = await challengeAndRpt(env, record('IT02-A').assetGuid);
  const res = await view(env, record('IT02-B').assetGuid, { bearer: rpt });
  assert.is(res.status, 403, res.text);
  noViewData(res);
  assert.match(res.text, /WRONG_RESOURCE/);
});

scenario('an expired RPT (introspection active:false) → 401 with a fresh challenge, no data', async (env) => {
  await found(env, 'IT01');
  const asset = record('IT01').assetGuid;
  const { challenge, rpt } = await challengeAndRpt(env, asset);
  env.clock.advance((env.sim.config.rptLifetimeSeconds + 1) * 1000);
  const res = await view(env, asset, { bearer: rpt });
  assert.is(res.status, 401, res.text);
  noViewData(res);
  const fresh = parseUmaChallenge(res.headers['www-authenticate']);
  assert.ok(fresh?.ticket);
  assert.is.not(fresh!.ticket, challenge.ticket);
});

scenario('a bearer that is not an RPT at all → 401 (the C&A says inactive), no data', async (env) => {
  await found(env, 'IT01');
  const res = await view(env, record('IT01').assetGuid, { bearer: 'not-an-rpt' });
  assert.is(res.status, 401, res.text);
  noViewData(res);
});

scenario('restart: with a state file, the PAT and the registered PeIs survive and the view still works', async (env) => {
  await found(env, 'IT01');
  await env.restartProvider();
  const asset = record('IT01').assetGuid;
  const { rpt } = await challengeAndRpt(env, asset);
  assert.is((await view(env, asset, { bearer: rpt })).status, 200);
  await found(env, 'IT01');
  assert.is((await patExchanges(env)).length, 1, 'the stored PAT is reused after the restart');
}, { stateFile: `${tempDir()}/reference-provider/state.json` });

// ── deliberate faults: each defect is observable, so cda-sim's checks can be seen to fail ─────────

async function rejects(p: Promise<unknown>): Promise<Error | undefined> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

scenario('FAULT ack-200: a valid find is answered 200 instead of 202', async (env) => {
  const { response } = await sendFind(env, 'IT01');
  assert.is(response.status, 200);
}, { faults: ['ack-200'] });

scenario('FAULT no-inbound-request-id: the PeI is registered without inbound_request_id', async (env) => {
  await found(env, 'IT01');
  const pei = byName(env, record('IT01'));
  assert.ok(pei);
  assert.is(pei!.inbound_request_id, undefined);
}, { faults: ['no-inbound-request-id'] });

scenario('FAULT wrong-description: the PeI description is not the scheme name', async (env) => {
  await found(env, 'IT01');
  const pei = byName(env, record('IT01'));
  assert.ok(pei);
  assert.is.not(pei!.description, record('IT01').schemeName);
}, { faults: ['wrong-description'] });

scenario('FAULT register-invalid-finds: a wrongly signed find is accepted and registered', async (env) => {
  const { response } = await sendFind(env, 'IT01', 'bad-signature');
  assert.is(response.status, 202, response.text);
  await env.provider.idle();
  assert.ok(byName(env, record('IT01')), 'registered despite the bad signature');
}, { faults: ['register-invalid-finds'] });

scenario('FAULT skip-introspection: any bearer gets view data, and /introspect is never called', async (env) => {
  await found(env, 'IT01');
  const res = await view(env, record('IT01').assetGuid, { bearer: 'anything-at-all' });
  assert.is(res.status, 200, res.text);
  assert.is((await readJournal(env.sim.journal.file, { path: '/introspect' })).length, 0);
}, { faults: ['skip-introspection'] });

scenario('FAULT unsigned-view-data: the view data token has alg "none" and fails verification', async (env) => {
  await found(env, 'IT01');
  const asset = record('IT01').assetGuid;
  const { rpt } = await challengeAndRpt(env, asset);
  const res = await view(env, asset, { bearer: rpt });
  assert.is(res.status, 200, res.text);
  const token = (res.json as { view_data_token: string }).view_data_token;
  assert.is(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')).alg, 'none');
  assert.ok(await rejects((await createVerifier(env.provider.publicJwks.keys)).verify(token)));
}, { faults: ['unsigned-view-data'] });

scenario('FAULT wrongly-signed-view-data: the signature does not verify with the published JWKS', async (env) => {
  await found(env, 'IT01');
  const asset = record('IT01').assetGuid;
  const { rpt } = await challengeAndRpt(env, asset);
  const res = await view(env, asset, { bearer: rpt });
  assert.is(res.status, 200, res.text);
  const token = (res.json as { view_data_token: string }).view_data_token;
  assert.is(decodeUnverified(token)!.header.kid, 'reference-provider-view-key', 'claims the published kid');
  const err = await rejects((await createVerifier(env.provider.publicJwks.keys)).verify(token));
  assert.is((err as { code?: string } | undefined)?.code, 'BAD_SIGNATURE');
}, { faults: ['wrongly-signed-view-data'] });

scenario('FAULT ignore-permission-resource: an RPT for another PeI of the same user opens this one', async (env) => {
  await found(env, 'IT02');
  const { rpt } = await challengeAndRpt(env, record('IT02-A').assetGuid);
  const res = await view(env, record('IT02-B').assetGuid, { bearer: rpt });
  assert.is(res.status, 200, res.text);
}, { faults: ['ignore-permission-resource'] });

test.run();
