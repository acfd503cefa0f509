// The consent and authorisation (C&A) service: /token, /rreguri, /perm, /introspect, the JWKS
// and discovery. `createCaApp` builds the app (a lean one: http/lean-app.ts) and never listens: servers and tests pick ports.
import { createLeanApp, type ApiRequest as Request, type LeanApp } from '../http/lean-app.js';
import { randomInt, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { OpenAPIBackend } from 'openapi-backend';
import { epochSeconds, type Clock } from '../core/clock.js';
import { openapiDir } from '../core/paths.js';
import { HttpProblem, OAuthProblem } from '../http/problems.js';
import { finalHandlers, loadApi, specRouter, type OperationHandler } from '../http/spec-app.js';
import { journalExchanges } from '../http/journal-middleware.js';
import { withoutOwnRules } from '../http/own-rules.js';
import { answerWhenDurable } from '../http/durable-answers.js';
import type { Journal } from '../store/journal.js';
import type { DeletionReason, MatchStatus, Resource, RptRecord, Store } from '../store/state.js';
import { ownedResource, requirePat } from './auth.js';
import { tokenEndpoint, type CaConfig, type CaUrls } from './config.js';
import type { CaKeys } from './keys.js';
import { assertionSub, caFaultAnswer, fixtureBody } from './faults.js';
import type { CaFaultEndpoint, FaultRegistry } from '../faults/registry.js';
import { isFixture, isSlow } from '../faults/registry.js';
import { harnessCompat, type CompatMode } from './compat.js';
import {
  issuePat,
  issueRpt,
  issueTicket,
  readTicket,
  rptJti,
  TokenRejected,
  validateRqp,
  validateUserToken,
  type TokenContext,
} from './tokens.js';

export interface CaDeps {
  clock: Clock;
  store: Store;
  journal: Journal;
  keys: CaKeys;
  config: CaConfig;
  urls: () => CaUrls;
  /** A loaded OpenAPI document; by default openapi/ca.yaml. */
  api?: OpenAPIBackend;
  /** Injected fault responses (admin API); none by default. */
  faults?: FaultRegistry;
  /** Answer as MaPS's harness does where it differs (compat.ts). */
  compat?: CompatMode;
  /** Enforce cda-sim's own rules as errors (the default); false accepts them with a warning. */
  strict?: boolean;
}

export const CA_SPEC = path.join(openapiDir, 'ca.yaml');

const GRANT_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GRANT_UMA_TICKET = 'urn:ietf:params:oauth:grant-type:uma-ticket';
const RQP_FORMATS = new Set(['pension_dashboard_rqp', 'pension_dashboad_rqp']); // v1_2 spelt it without the r

/** Plain-words rules, used where a schema's own message would be cryptic. */
export const CA_RULES: Record<string, string> = {
  'X-Request-ID': 'every C&A call carries a UUID X-Request-ID header',
  name: 'a PeI is urn:pei:<holdernameGuid>:<assetGuid>, each GUID 8-4-4-4-12 hex',
  description: 'the scheme name the PeI’s view data will carry, at least one character',
  match_status: 'match-yes for a definite match, match-possible for a possible match',
  inbound_request_id: 'the X-Request-ID (a UUID) of the find request that led to this registration',
  resource_scopes: 'registration scopes are owner, value and delegate; /perm takes exactly "value" and "owner"',
  deletion_reason: 'match-no, match-timeout, match-withdrawn or asset-removed',
  resource_id: 'the opaque id the C&A returned at registration',
};

/** Which stored match statuses each deletion reason may remove (harness v2.0.0 relaxed asset-removed). */
const DELETION_ALLOWED_FROM: Record<DeletionReason, MatchStatus[]> = {
  'match-no': ['match-possible'],
  'match-timeout': ['match-possible'],
  'match-withdrawn': ['match-yes'],
  'asset-removed': ['match-yes', 'match-possible'],
};

export function newResourceId(format: CaConfig['resourceIdFormat']): string {
  // The live C&A returns a UUID with one extra trailing digit; providers must store it as opaque.
  return format === 'uuid' ? randomUUID() : `${randomUUID()}${randomInt(10)}`;
}

/** The {resource_id} path parameter: routing is the OpenAPI document's, so the app has no params. */
function lastSegment(req: Request): string {
  return decodeURIComponent(req.path.split('/').pop() ?? '');
}

/** The operations a fault rule can target, by operationId. */
const FAULT_ENDPOINT_OF: Record<string, CaFaultEndpoint> = {
  token: 'token',
  registerPei: 'rreguri-post',
  getPei: 'rreguri-get',
  updatePei: 'rreguri-patch',
  deletePei: 'rreguri-delete',
  requestPermission: 'perm',
  introspect: 'introspect',
};

function requestId(req: Request): string {
  return String(req.get('x-request-id'));
}

export async function createCaApp(deps: CaDeps): Promise<LeanApp> {
  const { clock, store, journal, config } = deps;
  const api = deps.api ?? (await loadApi(CA_SPEC));
  const tokens: TokenContext = { clock, keys: deps.keys, config, urls: deps.urls };
  const nowIso = () => new Date(clock.now()).toISOString();
  const baseOf = (req: Request) => `${req.protocol}://${req.get('host')}`;

  const token: OperationHandler = async (req, res) => {
    // The v1_2 spec lists query parameters; MaPS sends a form body. Accept both; the body wins.
    const p: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...(req.query as object), ...((req.body as object) ?? {}) })) {
      if (typeof v === 'string') p[k] = v;
      else if (v !== undefined) throw new OAuthProblem(400, 'invalid_request', `${k} must be given once`);
    }
    if (!p.grant_type) throw new OAuthProblem(400, 'invalid_request', 'grant_type is required (form body or query)');
    try {
      if (p.grant_type === GRANT_JWT_BEARER) {
        if (!p.assertion) throw new OAuthProblem(400, 'invalid_request', 'assertion is required for the jwt-bearer grant: send the user token from the find request');
        if (p.scope !== undefined && p.scope !== 'uma_protection') throw new OAuthProblem(400, 'invalid_scope', `scope must be uma_protection for the jwt-bearer grant, not "${p.scope}"`);
        const user = await validateUserToken(tokens, p.assertion).catch((err: unknown) => {
          // The harness-compatible answer depends on why (a user it does not hold is 404 there).
          if (err instanceof TokenRejected) res.locals.assertionRejected = err.reason ?? 'not-held';
          throw err;
        });
        // One PAT per user: a second exchange for the same user returns the PAT already issued.
        let pat = store.patForUser(user.sub);
        if (!pat || pat.exp <= epochSeconds(clock)) {
          pat = await issuePat(tokens, user.sub);
          store.putPat(pat);
        }
        res.set('Cache-Control', 'no-store').json({ access_token: pat.token, token_type: 'pension_dashboard_pat' });
        return;
      }
      if (p.grant_type === GRANT_UMA_TICKET) {
        if (!p.ticket) throw new OAuthProblem(400, 'invalid_request', 'ticket is required for the uma-ticket grant: send the ticket from the provider’s 401 challenge');
        if (!p.claim_token) throw new OAuthProblem(400, 'invalid_request', 'claim_token is required for the uma-ticket grant: send the dashboard’s RQP');
        if (!p.claim_token_format || !RQP_FORMATS.has(p.claim_token_format)) {
          throw new OAuthProblem(400, 'invalid_request', `claim_token_format must be pension_dashboard_rqp${p.claim_token_format ? `, not "${p.claim_token_format}"` : ''}`);
        }
        if (p.scope !== undefined && p.scope !== 'owner') throw new OAuthProblem(400, 'invalid_scope', `scope must be owner for the uma-ticket grant, not "${p.scope}"`);
        const ticket = await readTicket(tokens, p.ticket);
        const rqp = await validateRqp(tokens, p.claim_token);
        const resource = store.resource(ticket.resource_id);
        if (!resource || resource.deleted_at) throw new OAuthProblem(400, 'invalid_grant', `the ticket’s resource ${ticket.resource_id} is no longer registered`);
        const rpt = await issueRpt(tokens, rqp, ticket);
        store.putRpt(rpt.record);
        res.set('Cache-Control', 'no-store').json({ access_token: rpt.token, token_type: 'pension_dashboard_rpt', upgraded: false });
        return;
      }
    } catch (err) {
      if (err instanceof TokenRejected) throw new OAuthProblem(400, 'invalid_grant', err.message);
      throw err;
    }
    throw new OAuthProblem(400, 'unsupported_grant_type', `grant_type "${p.grant_type}" is not supported: use ${GRANT_JWT_BEARER} (PAT) or ${GRANT_UMA_TICKET} (RPT)`);
  };

  const registerPei: OperationHandler = (req, res) => {
    const pat = requirePat(req, store, clock);
    const body = req.body as { name: string; description: string; match_status: MatchStatus; resource_scopes: string[]; inbound_request_id?: string };
    const rid = requestId(req);
    // A reused X-Request-ID is checked first: it is the transaction id, and PDP keeps it unique.
    if (store.registrationRequestIdUsed(rid)) {
      throw new HttpProblem('conflict', [{ code: 'REUSED_REQUEST_ID', field: 'X-Request-ID', detail: `${rid} was already used for a registration; send a new UUID for every call` }]);
    }
    const existing = store.liveResourceByName(body.name);
    if (existing) {
      // MaPS's harness answers 200 with the other user's id here; cda-sim refuses by default.
      if (existing.owner !== pat.sub && deps.compat !== 'maps-harness') {
        throw new HttpProblem('conflict', [{ code: 'NAME_REGISTERED_BY_ANOTHER_USER', field: 'name', detail: 'this PeI is already registered by another user; an asset GUID identifies one pension for one person' }]);
      }
      // Idempotent on name: 200 with the existing id (a provider expecting only 201 breaks here).
      res.status(200).location(`${baseOf(req)}/rreguri/${existing.resource_id}`).json({ resource_id: existing.resource_id });
      return;
    }
    const now = nowIso();
    const resource: Resource = {
      resource_id: newResourceId(config.resourceIdFormat),
      name: body.name,
      description: body.description,
      match_status: body.match_status,
      resource_scopes: body.resource_scopes,
      ...(body.inbound_request_id ? { inbound_request_id: body.inbound_request_id } : {}),
      request_id: rid,
      owner: pat.sub,
      created_at: now,
      updated_at: now,
      history: [{ at: now, action: 'registered', request_id: rid, match_status: body.match_status, ...(body.inbound_request_id ? { inbound_request_id: body.inbound_request_id } : {}) }],
    };
    store.putResource(resource);
    res.status(201).location(`${baseOf(req)}/rreguri/${resource.resource_id}`).json({ resource_id: resource.resource_id });
  };

  const getPei: OperationHandler = (req, res) => {
    const pat = requirePat(req, store, clock);
    const r = ownedResource(store, pat, lastSegment(req));
    res.json({ resource_id: r.resource_id, name: r.name, description: r.description, match_status: r.match_status, resource_scopes: r.resource_scopes });
  };

  const updatePei: OperationHandler = (req, res) => {
    const pat = requirePat(req, store, clock);
    const r = ownedResource(store, pat, lastSegment(req));
    const body = req.body as { match_status: 'match-yes'; inbound_request_id?: string };
    const now = nowIso();
    store.putResource({
      ...r,
      match_status: 'match-yes',
      updated_at: now,
      history: [...r.history, { at: now, action: 'updated', request_id: requestId(req), match_status: body.match_status, ...(body.inbound_request_id ? { inbound_request_id: body.inbound_request_id } : {}) }],
    });
    res.status(200).json({ resource_id: r.resource_id });
  };

  const deletePei: OperationHandler = (req, res) => {
    const pat = requirePat(req, store, clock);
    const r = ownedResource(store, pat, lastSegment(req));
    const reason = String(req.query.deletion_reason) as DeletionReason;
    const allowed = DELETION_ALLOWED_FROM[reason];
    if (!allowed.includes(r.match_status)) {
      throw new HttpProblem('invalid-transition', [
        { code: 'INVALID_DELETION_REASON', field: 'deletion_reason', detail: `${reason} is allowed only for a ${allowed.join(' or ')} PeI; this PeI is ${r.match_status}` },
      ]);
    }
    const now = nowIso();
    store.putResource({ ...r, deleted_at: now, deletion_reason: reason, updated_at: now, history: [...r.history, { at: now, action: 'deleted', request_id: requestId(req), deletion_reason: reason }] });
    res.status(204).end();
  };

  const requestPermission: OperationHandler = async (req, res) => {
    const pat = requirePat(req, store, clock);
    const body = req.body as { resource_id: string; resource_scopes: string[] };
    const r = ownedResource(store, pat, body.resource_id);
    const ticket = await issueTicket(tokens, r.owner, r.resource_id, body.resource_scopes);
    res.status(201).json({ ticket });
  };

  const introspectionBody = (rpt: RptRecord) => ({
    active: true,
    token_type: 'pension_dashboard_rpt',
    exp: rpt.exp,
    iss: rpt.iss,
    // The introspect spec allows owner and value only; delegate is dropped, as the harness does.
    permissions: rpt.permissions.map((p) => ({ resource_id: p.resource_id, resource_scopes: p.resource_scopes.filter((s) => s !== 'delegate'), exp: p.exp })),
  });

  const introspect: OperationHandler = async (req, res) => {
    const pat = requirePat(req, store, clock);
    const token = String((req.body as { token: string }).token);
    const jti = await rptJti(tokens, token);
    if (jti === null && res.locals.harnessWrapped) {
      // The harness decodes the wrapper's JWT and refuses one that does not verify; cda-sim says inactive.
      throw new HttpProblem('invalid-request', [{ code: 'INVALID_RPT', field: 'token', detail: 'the RPT inside the wrapper is not one this C&A signed' }]);
    }
    const rpt = jti ? store.rpt(jti) : undefined;
    // Unknown or expired RPTs are not errors: 200 {active:false}, as MaPS's harness answers.
    if (!rpt || rpt.exp <= epochSeconds(clock)) {
      res.json({ active: false });
      return;
    }
    for (const p of rpt.permissions) ownedResource(store, pat, p.resource_id, 'token');
    res.json(introspectionBody(rpt));
  };

  /**
   * Answer an injected fault, if a rule matches, before the handler runs (so no state changes).
   * Only calls that passed request validation get here, as with the reporting service's injection.
   * An introspection fixture applies only to a known RPT whose resources the caller's PAT owns:
   * its body is the consistent one with one thing broken.
   */
  const faulty = (operationId: string, handler: OperationHandler): OperationHandler => {
    const endpoint = FAULT_ENDPOINT_OF[operationId];
    const faults = deps.faults;
    if (!endpoint || !faults) return handler;
    return async (req, res, op) => {
      if (faults.empty) return handler(req, res, op);
      let user: string | undefined;
      let rpt: RptRecord | undefined;
      if (endpoint === 'token') {
        user = assertionSub((req.body as Record<string, unknown> | undefined)?.assertion ?? req.query.assertion);
      } else {
        const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
        const pat = bearer ? store.patByToken(bearer) : undefined;
        user = pat?.sub;
        if (endpoint === 'introspect' && pat && pat.exp > epochSeconds(clock)) {
          const jti = await rptJti(tokens, String((req.body as { token?: unknown }).token));
          const found = jti ? store.rpt(jti) : undefined;
          const owned = found?.permissions.every((p) => {
            const r = store.resource(p.resource_id);
            return r && !r.deleted_at && r.owner === pat.sub;
          });
          if (found && owned) rpt = found;
        }
      }
      const rule = faults.take(endpoint, { user, fixtures: rpt !== undefined });
      if (!rule) return handler(req, res, op);
      if (isSlow(rule)) {
        // A slow C&A: the normal answer, late (the clock is real time here: the provider waits for real).
        await new Promise((r) => setTimeout(r, rule.delayMs));
        return handler(req, res, op);
      }
      if (isFixture(rule)) {
        res.json(fixtureBody(rule.fixture, introspectionBody(rpt!), epochSeconds(clock)));
        return;
      }
      res.locals.injectedRule = rule;
      const ticket = (req.body as Record<string, unknown> | undefined)?.ticket ?? req.query.ticket;
      const answer = caFaultAnswer(faults, rule, req.get('x-request-id') ?? undefined, typeof ticket === 'string' ? ticket : undefined);
      res.status(answer.status).set(answer.headers).type(answer.contentType).json(answer.body);
    };
  };

  const jwks: OperationHandler = (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(deps.keys.jwks());
  };

  const discovery: OperationHandler = (_req, res) => {
    const issuer = deps.urls().issuer.replace(/\/$/, '');
    res.json({
      issuer,
      token_endpoint: tokenEndpoint(issuer),
      jwks_uri: `${issuer}/jwk_uri`,
      introspection_endpoint: `${issuer}/introspect`,
      resource_registration_endpoint: `${issuer}/rreguri`,
      permission_endpoint: `${issuer}/perm`,
      grant_types_supported: [GRANT_JWT_BEARER, GRANT_UMA_TICKET],
      token_endpoint_auth_methods_supported: ['tls_client_auth'],
      tls_client_certificate_bound_access_tokens: false,
    });
  };

  // No ETag, no X-Powered-By, no proxy trust: the lean app has none of them to turn off.
  const app = createLeanApp();
  journalExchanges(app, journal, 'ca', () => clock.now());
  answerWhenDurable(app, store);
  if (deps.compat === 'maps-harness') app.use(harnessCompat());
  app.use(
    specRouter(api, {
      handlers: Object.fromEntries(
        Object.entries({ token, registerPei, getPei, updatePei, deletePei, requestPermission, introspect, jwks, jwksWellKnown: jwks, discovery }).map(([id, h]) => [id, faulty(id, h)]),
      ),
      oauthOperations: ['token'],
      rules: CA_RULES,
      strict: deps.strict !== false,
      relaxed: deps.strict === false ? await loadApi(withoutOwnRules(api.definition)) : undefined,
    }),
  );
  finalHandlers(app);
  return app;
}
