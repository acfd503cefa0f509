// The provider's calls to the consent and authorisation (C&A) service, over HTTP(S) with the
// provider's client certificate (mTLS for all system-to-system traffic, pdp-protocol §9.1).
// Every call carries a fresh UUID X-Request-ID (pdp-protocol §4; pitfall P1, and P2 for /rreguri).
//
// /token and /rreguri run in the background after a find, so they are retried (retry.ts).
// /perm and /introspect run while a dashboard waits for a view; they are tried once, and a failure
// means "no view data" (pdp-protocol §8 check 7, §11.2).
import { randomUUID } from 'node:crypto';
import { call, type CallResult, type TlsClientOptions } from '../http/client.js';
import { withRetries, type RetryEnv, type RetryOutcome, type RetryPolicy } from './retry.js';

export const GRANT_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface CaClientOptions {
  baseUrl: string;
  /** FAULT (for cda-sim's own tests): the one X-Request-ID sent on every call but POST /rreguri (which refuses a reused one). */
  reusedRequestId?: string;
  tls?: TlsClientOptions;
  timeoutMs?: number;
  retry: RetryPolicy;
  env: RetryEnv;
}

/** The body of POST /rreguri (pdp-protocol §5.3). */
export interface PeiRegistration {
  name: string;
  description: string;
  match_status: 'match-yes' | 'match-possible';
  inbound_request_id?: string;
  resource_scopes: string[];
  /** Only with the fault register-extra-field: a field the official document does not name. */
  registration_reason?: string;
}

/** What /introspect answered (pdp-protocol §5.9); only `active` is required, so every field is checked. */
export interface IntrospectionResult {
  active?: unknown;
  token_type?: unknown;
  exp?: unknown;
  iss?: unknown;
  permissions?: unknown;
}

export type Single<T> = { ok: true; value: T; answer: CallResult } | { ok: false; why: string; answer?: CallResult };

export class CaClient {
  private readonly base: string;

  constructor(private readonly opts: CaClientOptions) {
    this.base = opts.baseUrl.replace(/\/$/, '');
  }

  private send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<CallResult> {
    const reused = method === 'POST' && path === '/rreguri' ? undefined : this.opts.reusedRequestId;
    return call({
      method,
      url: `${this.base}${path}`,
      headers: { 'X-Request-ID': reused ?? randomUUID(), Accept: 'application/json', ...headers },
      body,
      tls: this.opts.tls,
      timeoutMs: this.opts.timeoutMs ?? 10_000,
    });
  }

  /**
   * Flow step 4: exchange the user token from the find, unchanged, for the user's PAT
   * (jwt-bearer grant, scope uma_protection, form body: pdp-protocol §5.1).
   */
  async exchangeUserToken(userToken: string, what: string): Promise<RetryOutcome<CallResult> & { pat?: string }> {
    const body = new URLSearchParams({ grant_type: GRANT_JWT_BEARER, assertion: userToken, scope: 'uma_protection' }).toString();
    const out = await withRetries(`${what}: POST /token`, this.opts.retry, this.opts.env, () =>
      this.send('POST', '/token', { 'Content-Type': 'application/x-www-form-urlencoded' }, body),
    );
    if (!out.ok) return out;
    const json = out.answer?.json as { access_token?: unknown; token_type?: unknown } | undefined;
    if (typeof json?.access_token !== 'string' || !json.access_token) {
      return { ...out, ok: false, why: '/token answered without an access_token' };
    }
    if (json.token_type !== 'pension_dashboard_pat') {
      return { ...out, ok: false, why: `/token answered token_type "${String(json.token_type)}", not pension_dashboard_pat` };
    }
    return { ...out, pat: json.access_token };
  }

  /**
   * Flow step 5: register one PeI. 201 (new) and 200 (already registered: the C&A is idempotent on
   * name, pitfall P3) both succeed; resource_id is an opaque string (pitfall P4), never parsed.
   */
  async registerPei(pat: string, pei: PeiRegistration, what: string): Promise<RetryOutcome<CallResult> & { resourceId?: string }> {
    const body = JSON.stringify(pei);
    // send() gives each attempt its own X-Request-ID: a reused one answers 409 (pitfall P2).
    const out = await withRetries(`${what}: POST /rreguri`, this.opts.retry, this.opts.env, () =>
      this.send('POST', '/rreguri', { Authorization: `Bearer ${pat}`, 'Content-Type': 'application/json' }, body),
    );
    if (!out.ok) return out;
    const id = (out.answer?.json as { resource_id?: unknown } | undefined)?.resource_id;
    if (typeof id !== 'string' || !id) return { ...out, ok: false, why: `/rreguri answered ${out.answer?.status} without a resource_id` };
    return { ...out, resourceId: id };
  }

  /** Stage 2 "confirm-match": PATCH the PeI to match-yes, the only status PATCH takes (pdp-protocol §5.5). */
  updatePei(pat: string, resourceId: string, what: string): Promise<RetryOutcome<CallResult>> {
    const body = JSON.stringify({ match_status: 'match-yes' });
    return withRetries(`${what}: PATCH /rreguri`, this.opts.retry, this.opts.env, () =>
      this.send('PATCH', `/rreguri/${encodeURIComponent(resourceId)}`, { Authorization: `Bearer ${pat}`, 'Content-Type': 'application/json' }, body),
    );
  }

  /** Stage 2 deletions: DELETE the PeI with the reason the update names (pdp-protocol §5.6). */
  deletePei(pat: string, resourceId: string, reason: string, what: string): Promise<RetryOutcome<CallResult>> {
    const query = new URLSearchParams({ deletion_reason: reason }).toString();
    return withRetries(`${what}: DELETE /rreguri`, this.opts.retry, this.opts.env, () =>
      this.send('DELETE', `/rreguri/${encodeURIComponent(resourceId)}?${query}`, { Authorization: `Bearer ${pat}` }),
    );
  }

  /** Flow step 9: a permission ticket for the owner's resource, with the OWNING user's PAT (pdp-protocol §5.8). */
  async requestPermission(pat: string, resourceId: string): Promise<Single<string>> {
    let answer: CallResult;
    try {
      answer = await this.send('POST', '/perm', { Authorization: `Bearer ${pat}`, 'Content-Type': 'application/json' }, JSON.stringify({ resource_id: resourceId, resource_scopes: ['value', 'owner'] }));
    } catch (err) {
      return { ok: false, why: `POST /perm failed: ${(err as Error).message}` };
    }
    const ticket = (answer.json as { ticket?: unknown } | undefined)?.ticket;
    if (answer.status !== 201 || typeof ticket !== 'string' || !ticket) {
      return { ok: false, why: `POST /perm answered ${answer.status}${typeof ticket === 'string' ? '' : ' without a ticket'}`, answer };
    }
    // The ticket is opaque to us (a JWE in real samples): pass it through untouched.
    return { ok: true, value: ticket, answer };
  }

  /** Flow step 13: introspect the RPT with the owning PAT (form body token=<RPT>, pdp-protocol §5.9). */
  async introspect(pat: string, rpt: string): Promise<Single<IntrospectionResult>> {
    let answer: CallResult;
    try {
      answer = await this.send('POST', '/introspect', { Authorization: `Bearer ${pat}`, 'Content-Type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ token: rpt }).toString());
    } catch (err) {
      return { ok: false, why: `POST /introspect failed: ${(err as Error).message}` };
    }
    const json = answer.json;
    if (answer.status !== 200 || json === null || typeof json !== 'object' || Array.isArray(json)) {
      return { ok: false, why: `POST /introspect answered ${answer.status}${answer.status === 200 ? ' without a JSON object' : ''}`, answer };
    }
    return { ok: true, value: json as IntrospectionResult, answer };
  }
}

/** GET a JWKS document (the C&A's /jwk_uri). */
export async function fetchJwks(url: string, tls: TlsClientOptions | undefined, timeoutMs = 10_000): Promise<{ keys: Record<string, unknown>[] }> {
  const answer = await call({ method: 'GET', url, headers: { Accept: 'application/json', 'X-Request-ID': randomUUID() }, tls, timeoutMs });
  const keys = (answer.json as { keys?: unknown } | undefined)?.keys;
  if (answer.status !== 200 || !Array.isArray(keys)) throw new Error(`GET ${url} answered ${answer.status}${Array.isArray(keys) ? '' : ' without a keys array'}`);
  return { keys: keys as Record<string, unknown>[] };
}
