// An in-process C&A for tests: real express app, real keys and tokens, a ManualClock, its own
// state directory, and every response checked against openapi/ca.yaml.
import supertest from 'supertest';
import { randomUUID } from 'node:crypto';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../simulator/core/clock.js';
import { createSigner, type Signer } from '../../simulator/crypto/jose.js';
import { Store } from '../../simulator/store/state.js';
import { Journal } from '../../simulator/store/journal.js';
import { buildCaKeys } from '../../simulator/ca/keys.js';
import { createCaApp } from '../../simulator/ca/ca-app.js';
import { FaultRegistry } from '../../simulator/faults/registry.js';
import type { CompatMode } from '../../simulator/ca/compat.js';
import { defaultCaConfig, tokenEndpoint, type CaConfig, type CaUrls } from '../../simulator/ca/config.js';
import { loadTestUsers, type TestUser } from '../../simulator/testdata/users.js';
import { mintUserToken, type UserTokenVariant } from '../../simulator/pfs/user-token.js';
import { ContractChecker } from './contract.js';
import { peiName, sharedMaterial, specApi, tempDir } from './fixtures.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const UMA_TICKET = 'urn:ietf:params:oauth:grant-type:uma-ticket';
export const DASHBOARD_ISS = 'https://dashboard.cda-sim.localhost';

export type CaHarness = Awaited<ReturnType<typeof caHarness>>;

export async function caHarness(opts: { config?: Partial<CaConfig>; stateDir?: string; random?: () => number; compat?: CompatMode; strict?: boolean } = {}) {
  const { material } = await sharedMaterial();
  const stateDir = opts.stateDir ?? tempDir('cda-sim-ca-');
  const clock = new ManualClock(Date.now());
  const store = await Store.open(stateDir);
  const journal = new Journal(stateDir, () => clock.now());
  const api = await specApi('ca');
  const contract = new ContractChecker(api).watch(journal);
  const keys = await buildCaKeys(material);
  const config: CaConfig = { ...defaultCaConfig, ...opts.config };
  const urls: CaUrls = { issuer: 'https://localhost:8443', bases: ['https://localhost:8443', 'http://localhost:8081'] };
  // An empty fault registry changes nothing; tests add rules to it directly.
  const faults = new FaultRegistry({ clock, random: opts.random });
  const app = await createCaApp({ clock, store, journal, keys, config, urls: () => urls, api, faults, compat: opts.compat, strict: opts.strict });
  const users = loadTestUsers();
  const pfsSigner = await createSigner(material.keys.pfs);
  const rogueSigner = await createSigner(material.keys.rogue);
  const dashboardSigner: Signer = await createSigner(material.keys.dashboard);
  const request = supertest(app);
  const user = (id: string): TestUser => users.find((u) => u.id === id)!;

  const h = {
    app,
    request,
    clock,
    store,
    journal,
    faults,
    contract,
    material,
    config,
    urls,
    users,
    user,
    stateDir,
    rogueSigner,
    dashboardSigner,
    async userToken(id: string, variant: UserTokenVariant = 'valid', claims: Record<string, unknown> = {}) {
      const { token, claims: c } = await mintUserToken({ user: user(id), clock, pfsSigner, rogueSigner, pfsIssuer: config.pfsIssuer, audience: tokenEndpoint(urls.issuer), variant });
      if (Object.keys(claims).length === 0) return token;
      return pfsSigner.sign({ ...c, ...claims });
    },
    /** POST /token with form parameters. */
    token(params: Record<string, string>, headers: Record<string, string> = {}) {
      return request.post('/token').set('X-Request-ID', randomUUID()).set(headers).type('form').send(params);
    },
    async pat(id: string): Promise<string> {
      const res = await h.token({ grant_type: JWT_BEARER, assertion: await h.userToken(id), scope: 'uma_protection' });
      assert.is(res.status, 200, `PAT for ${id}: ${JSON.stringify(res.body)}`);
      return res.body.access_token;
    },
    register(pat: string, body: Record<string, unknown> = {}, requestId: string = randomUUID()) {
      return request
        .post('/rreguri')
        .set('X-Request-ID', requestId)
        .set('Authorization', `Bearer ${pat}`)
        .send({ name: peiName(), description: 'CDA-SIM TEST SCHEME', match_status: 'match-yes', resource_scopes: ['owner', 'value', 'delegate'], ...body });
    },
    async registered(pat: string, body: Record<string, unknown> = {}): Promise<string> {
      const res = await h.register(pat, body);
      assert.is(res.status, 201, JSON.stringify(res.body));
      return res.body.resource_id;
    },
    perm(pat: string, resourceId: string, scopes: unknown = ['value', 'owner']) {
      return request.post('/perm').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send({ resource_id: resourceId, resource_scopes: scopes });
    },
    async rqp(claims: Record<string, unknown> = {}, signer: Signer = dashboardSigner) {
      const iat = Math.floor(clock.now() / 1000);
      return signer.sign({ iss: DASHBOARD_ISS, sub: `session-1@${DASHBOARD_ISS}`, aud: tokenEndpoint(urls.issuer), iat, exp: iat + 60, jti: randomUUID(), role: 'owner', ...claims });
    },
    async ticket(pat: string, resourceId: string): Promise<string> {
      const res = await h.perm(pat, resourceId);
      assert.is(res.status, 201, JSON.stringify(res.body));
      return res.body.ticket;
    },
    async rpt(ticket: string): Promise<string> {
      const res = await h.token({ grant_type: UMA_TICKET, ticket, claim_token: await h.rqp(), claim_token_format: 'pension_dashboard_rqp', scope: 'owner' });
      assert.is(res.status, 200, JSON.stringify(res.body));
      return res.body.access_token;
    },
    introspect(pat: string, token: string) {
      return request.post('/introspect').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).type('form').send({ token });
    },
    /** Fails the test if any response broke the OpenAPI document. */
    assertContract() {
      assert.equal(contract.violations, [], `responses that break openapi/ca.yaml:\n${contract.violations.join('\n')}`);
    },
    async close() {
      h.assertContract();
      await store.close();
      journal.close();
    },
  };
  return h;
}
