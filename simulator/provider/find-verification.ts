// Is this find request trustworthy? (DESIGN §3 "Find request"; pdp-protocol §3.)
//
// A find request is  POST /find, X-Request-ID: <uuid>, body {user_token, find_request_token},
// both compact JWS signed by the CDA. Before acting on it the provider checks:
//   1. X-Request-ID is a UUID: it is the transaction id, echoed later as inbound_request_id
//   2. the body is JSON with both tokens
//   3. user_token: signature against the C&A JWKS (RS256 only: never alg "none" nor HS256); every
//      claim DESIGN §3 gives it (iss, aud, sub, name, iat, nbf, exp, jti); iss = the PFS; aud = the
//      C&A token endpoint (the token is meant for the C&A, which we hand it to unchanged); exp and nbf
//   4. find_request_token: the same signature rule; its claims (iss, aud, iat, exp, jti,
//      request_id, find_data); iss = the PFS; aud = OUR find URL (a token minted for another
//      provider must not be replayed at us); exp, and nbf when present; request_id = X-Request-ID
// Each token is checked on its own: one good token never vouches for the other.
// Every problem found is reported, not just the first, so the caller sees them all at once.
// PDP has not published which 4xx a provider should use for a bad find (pdp-protocol §3.3);
// the reference provider answers 400 with the rules broken. 503 means "we could not fetch the
// CDA's keys": not the caller's fault.
import { decodeUnsecured, hs256Verifies, JoseError, publicKeyPem, type JwsParts } from '../crypto/jose.js';
import type { FindData } from '../testdata/users.js';
import type { CdaKeys } from './cda-keys.js';
import { Faults, type ProviderFault } from './faults.js';
import { isUuid, type ProblemItem } from './http.js';

export interface VerifiedFind {
  /** The X-Request-ID header: the transaction id, registered as inbound_request_id. */
  requestId: string;
  /** Passed unchanged to /token as the assertion. */
  userToken: string;
  /** The user the PAT will belong to. */
  sub: string;
  findData: FindData;
}

export type FindCheck = { ok: true; find: VerifiedFind } | { ok: false; status: 400 | 503; errors: ProblemItem[] };

export interface FindVerificationContext {
  keys: CdaKeys;
  /** Milliseconds since the epoch. */
  now: () => number;
  pfsIssuer: string;
  /** `${C&A issuer}/token`: the audience of user tokens. */
  userTokenAudience: string;
  /** This provider's find URL: the audience of find request tokens. */
  findUrl: string;
}

type TokenField = 'user_token' | 'find_request_token';

/** What each token must carry and whom it is for (DESIGN §3 "Find request"). */
const TOKEN_RULES: Record<TokenField, { required: string[]; audience: (ctx: FindVerificationContext) => string; expiryFault: ProviderFault }> = {
  user_token: { required: ['iss', 'aud', 'sub', 'name', 'iat', 'nbf', 'exp', 'jti'], audience: (ctx) => ctx.userTokenAudience, expiryFault: 'ignore-user-token-expiry' },
  find_request_token: { required: ['iss', 'aud', 'iat', 'exp', 'jti', 'request_id', 'find_data'], audience: (ctx) => ctx.findUrl, expiryFault: 'ignore-find-token-expiry' },
};

const trimSlash = (s: string) => s.replace(/\/$/, '');

function audiences(aud: unknown): string[] {
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return typeof aud === 'string' ? [aud] : [];
}

async function verifySignature(ctx: FindVerificationContext, token: string, field: TokenField, errors: ProblemItem[], faults: Faults): Promise<JwsParts | undefined> {
  try {
    return await ctx.keys.verify(token);
  } catch (err) {
    if (!(err instanceof JoseError)) throw err;
    const forged = await forgeryLetThrough(ctx, token, err, faults);
    if (forged) return forged;
    const detail =
      err.code === 'MALFORMED' ? 'is not a compact JWS (header.payload.signature)' :
      err.code === 'UNKNOWN_KEY' ? `is signed with a key that is not in the C&A JWKS (${err.message})` :
      `does not verify against the C&A JWKS (${err.message})`;
    errors.push({ code: err.code === 'MALFORMED' ? 'MALFORMED_TOKEN' : 'BAD_SIGNATURE', field, detail });
    return undefined;
  }
}

/** FAULT (for cda-sim's own tests): the signature defects, each letting one kind of forged token through. */
async function forgeryLetThrough(ctx: FindVerificationContext, token: string, err: JoseError, faults: Faults): Promise<JwsParts | undefined> {
  if (!faults.any) return undefined;
  const parts = decodeUnsecured(token);
  const alg = parts?.header.alg;
  if (!parts) return undefined;
  if (faults.has('accept-alg-none') && alg === 'none') return parts;
  if (faults.has('accept-hs256') && alg === 'HS256' && (await ctx.keys.publicKeys()).some((k) => hs256Verifies(token, publicKeyPem(k)))) return parts;
  if (faults.has('accept-unknown-kid') && err.code === 'UNKNOWN_KEY') return parts;
  if (faults.has('ignore-bad-signature') && alg === 'RS256' && err.code === 'BAD_SIGNATURE') return parts;
  return undefined;
}

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

/**
 * Every claim the token must carry, then the value of each claim it does carry: iss, aud, exp, nbf.
 * No clock skew: MaPS allows none (pdp-protocol §9.5).
 */
function checkClaims(ctx: FindVerificationContext, field: TokenField, c: Record<string, unknown>, errors: ProblemItem[], faults: Faults): void {
  const rule = TOKEN_RULES[field];
  const now = Math.floor(ctx.now() / 1000);
  const iso = (s: number) => new Date(s * 1000).toISOString();
  // FAULT (for cda-sim's own tests): a token lacking claims is accepted; only the claims present are judged.
  if (!faults.has('ignore-missing-claims')) {
    for (const name of rule.required) if (!present(c[name])) errors.push({ code: 'MISSING_CLAIM', field: `${field}.${name}`, detail: `the ${field} must carry ${name}` });
  }
  for (const name of ['iat', 'nbf', 'exp']) {
    if (present(c[name]) && typeof c[name] !== 'number') errors.push({ code: 'WRONG_CLAIM', field: `${field}.${name}`, detail: 'must be a number (epoch seconds)' });
  }
  const issuedBy = `${field === 'user_token' ? 'user tokens' : 'find requests'} come from the PFS, "${ctx.pfsIssuer}"`;
  // FAULT (for cda-sim's own tests): each "ignore-…" defect skips one rule.
  if (present(c.iss) && !faults.has('ignore-iss') && c.iss !== ctx.pfsIssuer) errors.push({ code: 'WRONG_CLAIM', field: `${field}.iss`, detail: `is "${String(c.iss)}"; ${issuedBy}` });
  const audience = rule.audience(ctx);
  if (present(c.aud) && !faults.has('ignore-aud') && !audiences(c.aud).some((a) => trimSlash(a) === trimSlash(audience))) {
    errors.push({ code: 'WRONG_CLAIM', field: `${field}.aud`, detail: `is ${JSON.stringify(c.aud)}; the ${field} is addressed to "${audience}"` });
  }
  if (typeof c.exp === 'number' && !faults.has(rule.expiryFault) && c.exp <= now) errors.push({ code: 'EXPIRED', field: `${field}.exp`, detail: `expired at ${iso(c.exp)}; the time is ${iso(now)}` });
  if (typeof c.nbf === 'number' && !faults.has('ignore-nbf') && c.nbf > now) errors.push({ code: 'NOT_YET_VALID', field: `${field}.nbf`, detail: `not valid before ${iso(c.nbf)}; the time is ${iso(now)}` });
}

export async function verifyFindRequest(ctx: FindVerificationContext, requestIdHeader: string | undefined, rawBody: string, faults = new Faults()): Promise<FindCheck> {
  // 1. The transaction id.
  if (!requestIdHeader) return { ok: false, status: 400, errors: [{ code: 'MISSING_X_REQUEST_ID', field: 'X-Request-ID', detail: 'every find request carries a UUID X-Request-ID header' }] };
  if (!isUuid(requestIdHeader)) return { ok: false, status: 400, errors: [{ code: 'INVALID_X_REQUEST_ID', field: 'X-Request-ID', detail: `"${requestIdHeader}" is not a UUID` }] };

  // 2. The body.
  const tokens = readBody(rawBody);
  if (!tokens.ok) return { ok: false, status: 400, errors: tokens.errors };
  const errors: ProblemItem[] = [];

  // 3 and 4. Signatures first: claims of an unverified token mean nothing.
  let user: JwsParts | undefined;
  let find: JwsParts | undefined;
  // FAULT (for cda-sim's own tests): the user token is passed on unchecked, "the C&A will check it".
  const userUnchecked = faults.has('unchecked-user-token');
  try {
    user = userUnchecked ? (decodeUnsecured(tokens.userToken) ?? undefined) : await verifySignature(ctx, tokens.userToken, 'user_token', errors, faults);
    find = await verifySignature(ctx, tokens.findToken, 'find_request_token', errors, faults);
  } catch (err) {
    return { ok: false, status: 503, errors: [{ code: 'KEYS_UNAVAILABLE', detail: `cannot fetch the C&A's keys to verify the tokens: ${(err as Error).message}` }] };
  }

  if (user && !userUnchecked) {
    checkClaims(ctx, 'user_token', user.payload, errors, faults);
    if (present(user.payload.sub) && typeof user.payload.sub !== 'string') errors.push({ code: 'WRONG_CLAIM', field: 'user_token.sub', detail: 'must name the user (the PAT is per user)' });
  }
  if (find) {
    const c = find.payload;
    checkClaims(ctx, 'find_request_token', c, errors, faults);
    // FAULT (for cda-sim's own tests): the token's request_id is not compared with the header.
    if (present(c.request_id) && !faults.has('ignore-request-id-mismatch') && c.request_id !== requestIdHeader) {
      errors.push({ code: 'WRONG_CLAIM', field: 'find_request_token.request_id', detail: `is ${JSON.stringify(c.request_id)}; it must equal the X-Request-ID header ${requestIdHeader}` });
    }
    const fd = c.find_data;
    if (present(fd) && (typeof fd !== 'object' || Array.isArray(fd))) errors.push({ code: 'WRONG_CLAIM', field: 'find_request_token.find_data', detail: 'must be an object' });
  }
  if (errors.length || !user || !find) return { ok: false, status: 400, errors };

  return {
    ok: true,
    find: { requestId: requestIdHeader, userToken: tokens.userToken, sub: String(user.payload.sub ?? ''), findData: (find.payload.find_data ?? {}) as FindData },
  };
}

/** The body: JSON {user_token, find_request_token}, both non-empty strings. */
function readBody(rawBody: string): { ok: true; userToken: string; findToken: string } | { ok: false; errors: ProblemItem[] } {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { ok: false, errors: [{ code: 'MALFORMED_JSON', field: 'body', detail: 'the body is not valid JSON' }] };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, errors: [{ code: 'INVALID_BODY', field: 'body', detail: 'must be a JSON object {user_token, find_request_token}' }] };
  }
  const { user_token: userToken, find_request_token: findToken } = body as Record<string, unknown>;
  const errors: ProblemItem[] = [];
  if (typeof userToken !== 'string' || !userToken) errors.push({ code: 'MISSING_FIELD', field: 'user_token', detail: 'must be the signed user token (a compact JWS)' });
  if (typeof findToken !== 'string' || !findToken) errors.push({ code: 'MISSING_FIELD', field: 'find_request_token', detail: 'must be the signed find request token (a compact JWS)' });
  return errors.length ? { ok: false, errors } : { ok: true, userToken: userToken as string, findToken: findToken as string };
}
