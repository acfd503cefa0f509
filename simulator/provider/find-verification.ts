// Is this find request trustworthy? (DESIGN §3 "Find request"; pdp-protocol §3.)
//
// A find request is  POST /find, X-Request-ID: <uuid>, body {user_token, find_request_token},
// both compact JWS signed by the CDA. Before acting on it the provider checks:
//   1. X-Request-ID is a UUID: it is the transaction id, echoed later as inbound_request_id
//   2. the body is JSON with both tokens
//   3. user_token: signature against the C&A JWKS; iss = the PFS; aud = the C&A token endpoint
//      (the token is meant for the C&A, which we hand it to unchanged); exp and nbf; a sub
//   4. find_request_token: signature; iss = the PFS; aud = OUR find URL (a token minted for
//      another provider must not be replayed at us); exp; request_id = the X-Request-ID header
// Every problem found is reported, not just the first, so the caller sees them all at once.
// PDP has not published which 4xx a provider should use for a bad find (pdp-protocol §3.3);
// the reference provider answers 400 with the rules broken. 503 means "we could not fetch the
// CDA's keys": not the caller's fault.
import { JoseError, type JwsParts } from '../crypto/jose.js';
import type { FindData } from '../testdata/users.js';
import type { CdaKeys } from './cda-keys.js';
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

const trimSlash = (s: string) => s.replace(/\/$/, '');

function audiences(aud: unknown): string[] {
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return typeof aud === 'string' ? [aud] : [];
}

async function verifySignature(ctx: FindVerificationContext, token: string, field: string, errors: ProblemItem[]): Promise<JwsParts | undefined> {
  try {
    return await ctx.keys.verify(token);
  } catch (err) {
    if (!(err instanceof JoseError)) throw err;
    const detail =
      err.code === 'MALFORMED' ? 'is not a compact JWS (header.payload.signature)' :
      err.code === 'UNKNOWN_KEY' ? `is signed with a key that is not in the C&A JWKS (${err.message})` :
      `does not verify against the C&A JWKS (${err.message})`;
    errors.push({ code: err.code === 'MALFORMED' ? 'MALFORMED_TOKEN' : 'BAD_SIGNATURE', field, detail });
    return undefined;
  }
}

/** exp must be in the future, nbf (when present) in the past. No clock skew: MaPS allows none (pdp-protocol §9.5). */
function checkTimes(ctx: FindVerificationContext, claims: Record<string, unknown>, field: string, errors: ProblemItem[]): void {
  const now = Math.floor(ctx.now() / 1000);
  const iso = (s: number) => new Date(s * 1000).toISOString();
  if (typeof claims.exp !== 'number') errors.push({ code: 'MISSING_CLAIM', field: `${field}.exp`, detail: 'must be a number (epoch seconds)' });
  else if (claims.exp <= now) errors.push({ code: 'EXPIRED', field: `${field}.exp`, detail: `expired at ${iso(claims.exp)}; the time is ${iso(now)}` });
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now)) {
    errors.push({ code: 'NOT_YET_VALID', field: `${field}.nbf`, detail: typeof claims.nbf === 'number' ? `not valid before ${iso(claims.nbf)}` : 'must be a number' });
  }
}

function checkClaim(ok: boolean, errors: ProblemItem[], field: string, detail: string, code = 'WRONG_CLAIM'): void {
  if (!ok) errors.push({ code, field, detail });
}

export async function verifyFindRequest(ctx: FindVerificationContext, requestIdHeader: string | undefined, rawBody: string): Promise<FindCheck> {
  // 1. The transaction id.
  if (!requestIdHeader) return { ok: false, status: 400, errors: [{ code: 'MISSING_X_REQUEST_ID', field: 'X-Request-ID', detail: 'every find request carries a UUID X-Request-ID header' }] };
  if (!isUuid(requestIdHeader)) return { ok: false, status: 400, errors: [{ code: 'INVALID_X_REQUEST_ID', field: 'X-Request-ID', detail: `"${requestIdHeader}" is not a UUID` }] };

  // 2. The body.
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { ok: false, status: 400, errors: [{ code: 'MALFORMED_JSON', field: 'body', detail: 'the body is not valid JSON' }] };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, status: 400, errors: [{ code: 'INVALID_BODY', field: 'body', detail: 'must be a JSON object {user_token, find_request_token}' }] };
  }
  const { user_token: userToken, find_request_token: findToken } = body as Record<string, unknown>;
  const errors: ProblemItem[] = [];
  if (typeof userToken !== 'string' || !userToken) errors.push({ code: 'MISSING_FIELD', field: 'user_token', detail: 'must be the signed user token (a compact JWS)' });
  if (typeof findToken !== 'string' || !findToken) errors.push({ code: 'MISSING_FIELD', field: 'find_request_token', detail: 'must be the signed find request token (a compact JWS)' });
  if (errors.length) return { ok: false, status: 400, errors };

  // 3 and 4. Signatures first: claims of an unverified token mean nothing.
  let user: JwsParts | undefined;
  let find: JwsParts | undefined;
  try {
    user = await verifySignature(ctx, userToken as string, 'user_token', errors);
    find = await verifySignature(ctx, findToken as string, 'find_request_token', errors);
  } catch (err) {
    return { ok: false, status: 503, errors: [{ code: 'KEYS_UNAVAILABLE', detail: `cannot fetch the C&A's keys to verify the tokens: ${(err as Error).message}` }] };
  }

  if (user) {
    const c = user.payload;
    checkClaim(c.iss === ctx.pfsIssuer, errors, 'user_token.iss', `is "${String(c.iss)}"; user tokens come from the PFS, "${ctx.pfsIssuer}"`);
    checkClaim(audiences(c.aud).some((a) => trimSlash(a) === trimSlash(ctx.userTokenAudience)), errors, 'user_token.aud', `is ${JSON.stringify(c.aud)}; a user token is addressed to the C&A token endpoint "${ctx.userTokenAudience}"`);
    checkTimes(ctx, c, 'user_token', errors);
    checkClaim(typeof c.sub === 'string' && c.sub !== '', errors, 'user_token.sub', 'must name the user (the PAT is per user)', 'MISSING_CLAIM');
  }
  if (find) {
    const c = find.payload;
    checkClaim(c.iss === ctx.pfsIssuer, errors, 'find_request_token.iss', `is "${String(c.iss)}"; find requests come from the PFS, "${ctx.pfsIssuer}"`);
    checkClaim(audiences(c.aud).some((a) => trimSlash(a) === trimSlash(ctx.findUrl)), errors, 'find_request_token.aud', `is ${JSON.stringify(c.aud)}; this provider's find URL is "${ctx.findUrl}"`);
    checkTimes(ctx, c, 'find_request_token', errors);
    checkClaim(c.request_id === requestIdHeader, errors, 'find_request_token.request_id', `is ${JSON.stringify(c.request_id)}; it must equal the X-Request-ID header ${requestIdHeader}`);
    const fd = c.find_data;
    checkClaim(fd === undefined || (fd !== null && typeof fd === 'object' && !Array.isArray(fd)), errors, 'find_request_token.find_data', 'must be an object');
  }
  if (errors.length || !user || !find) return { ok: false, status: 400, errors };

  return {
    ok: true,
    find: { requestId: requestIdHeader, userToken: userToken as string, sub: user.payload.sub as string, findData: (find.payload.find_data ?? {}) as FindData },
  };
}
