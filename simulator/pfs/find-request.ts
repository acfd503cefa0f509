// Find requests exactly as DESIGN section 3 fixes them: POST {findUrl}, X-Request-ID, body
// {user_token, find_request_token}; both RS256 JWS signed with the PFS key the C&A JWKS publishes.
// Broken variants exist so a provider's refusal of untrustworthy finds can be tested: a named
// variant (a broken request, or the token breakages Stage 1 has always sent), or one flaw of one
// token (token-flaws.ts), so that every rule is tested on its own.
import { randomUUID } from 'node:crypto';
import { epochSeconds, type Clock } from '../core/clock.js';
import type { Signer } from '../crypto/jose.js';
import type { FindData } from '../testdata/users.js';
import { breakageLabel, breakageProblems, describeBreakage, flawedClaims, signWithFlaw, tokenTimes, type FindToken, type TokenBreakage } from './token-flaws.js';
import { mintUserToken } from './user-token.js';

export type NamedFindVariant =
  | 'valid'
  | 'bad-signature' // find request token signed by a key not in the JWKS
  | 'expired' // both tokens expired
  | 'wrong-audience' // find request token addressed to another find URL
  | 'missing-request-id' // no X-Request-ID header
  | 'non-uuid-request-id' // X-Request-ID that is not a UUID
  | 'unparseable-body'; // not JSON

export const FIND_VARIANTS: NamedFindVariant[] = ['valid', 'bad-signature', 'expired', 'wrong-audience', 'missing-request-id', 'non-uuid-request-id', 'unparseable-body'];

/** A named variant, or one flaw of one of the two tokens. */
export type FindVariant = NamedFindVariant | TokenBreakage;

/** The token breakages a named variant stands for. */
const NAMED_BREAKAGES: Partial<Record<NamedFindVariant, TokenBreakage[]>> = {
  'bad-signature': [{ token: 'find_request_token', flaw: 'bad-signature' }],
  expired: [
    { token: 'user_token', flaw: 'expired' },
    { token: 'find_request_token', flaw: 'expired' },
  ],
  'wrong-audience': [{ token: 'find_request_token', flaw: 'wrong-audience' }],
};

const breakagesOf = (v: FindVariant): TokenBreakage[] => (typeof v === 'string' ? (NAMED_BREAKAGES[v] ?? []) : [v]);

/** A find variant as scenario data gives it: a named `variant`, or a `token` with a `flaw` (and a `claim`). */
export interface FindVariantFields {
  variant?: unknown;
  token?: unknown;
  flaw?: unknown;
  claim?: unknown;
}

/** What is wrong with a find's variant fields (empty when cda-sim can build the find). */
export function findVariantProblems(f: FindVariantFields): string[] {
  if (f.token === undefined && f.flaw === undefined && f.claim === undefined) {
    return f.variant === undefined || FIND_VARIANTS.includes(f.variant as NamedFindVariant) ? [] : [`"variant" must be one of: ${FIND_VARIANTS.join(', ')}`];
  }
  return [...(f.variant !== undefined ? ['give either "variant" or "token" and "flaw", not both'] : []), ...breakageProblems(f)];
}

/** The variant the fields ask for; throws naming every problem. */
export function findVariantFrom(f: FindVariantFields): FindVariant {
  const problems = findVariantProblems(f);
  if (problems.length) throw new Error(`not a find variant cda-sim can send: ${problems.join('; ')}`);
  if (f.token === undefined) return (f.variant ?? 'valid') as NamedFindVariant;
  return { token: f.token, flaw: f.flaw, ...(f.claim !== undefined ? { claim: f.claim } : {}) } as TokenBreakage;
}

/** A stable label for journal tags and replays: the name, or "user_token:expired". */
export function variantLabel(v: FindVariant): string {
  return typeof v === 'string' ? v : breakageLabel(v);
}

/** In plain words, for reasons: "a bad-signature find", "a find whose user_token has …". */
export function describeVariant(v: FindVariant): string {
  return typeof v === 'string' ? `a ${v} find` : `a find whose ${describeBreakage(v)}`;
}

export interface FindRequestInput {
  user: { sub: string; name: string; findData: FindData };
  clock: Clock;
  pfsSigner: Signer;
  rogueSigner: Signer;
  pfsIssuer: string;
  /** The C&A token endpoint: the user token's audience. */
  caTokenEndpoint: string;
  /** The provider's find URL: the find request token's audience. */
  findUrl: string;
  variant?: FindVariant;
  requestId?: string;
  lifetimeSeconds?: number;
}

export interface FindRequest {
  url: string;
  /** The X-Request-ID sent (absent for the missing-request-id variant). */
  requestId?: string;
  /** The request_id the find request token carries; equals requestId for valid finds. */
  tokenRequestId?: string;
  /** The user token sent: the provider passes it, unchanged, to /token. */
  userToken: string;
  headers: Record<string, string>;
  body: string;
  /** The value `body` is the JSON of (absent when the body is not JSON). */
  bodyValue?: { user_token: string; find_request_token: string };
  variant: FindVariant;
  userTokenClaims: Record<string, unknown>;
  findTokenClaims: Record<string, unknown>;
}

export async function buildFindRequest(input: FindRequestInput): Promise<FindRequest> {
  const variant = input.variant ?? 'valid';
  const breakages = breakagesOf(variant);
  const flawOf = (token: FindToken) => breakages.find((b) => b.token === token);
  const life = input.lifetimeSeconds ?? 60;
  const transactionId = input.requestId ?? randomUUID();
  // Both tokens are signed at once: they go to the signing threads in one message.
  const userToken = mintUserToken({
    user: input.user,
    clock: input.clock,
    pfsSigner: input.pfsSigner,
    rogueSigner: input.rogueSigner,
    pfsIssuer: input.pfsIssuer,
    audience: input.caTokenEndpoint,
    flaw: flawOf('user_token'),
    lifetimeSeconds: life,
  });
  const findFlaw = flawOf('find_request_token');
  const { iat, exp, nbf } = tokenTimes(epochSeconds(input.clock), life, findFlaw?.flaw);
  const findTokenClaims = flawedClaims(
    {
      iss: input.pfsIssuer,
      aud: input.findUrl,
      iat,
      // DESIGN gives the find request token no nbf: it carries one only to be not yet valid.
      ...(findFlaw?.flaw === 'not-yet-valid' ? { nbf } : {}),
      exp,
      jti: randomUUID(),
      request_id: transactionId,
      find_data: input.user.findData,
    },
    findFlaw,
  );
  const [user, findToken] = await Promise.all([userToken, signWithFlaw(findTokenClaims, findFlaw?.flaw, input.pfsSigner, input.rogueSigner)]);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  let requestId: string | undefined = transactionId;
  if (variant === 'missing-request-id') requestId = undefined;
  if (variant === 'non-uuid-request-id') requestId = `find-${Date.now()}`;
  if (requestId) headers['X-Request-ID'] = requestId;
  const bodyValue = { user_token: user.token, find_request_token: findToken };
  const json = JSON.stringify(bodyValue);
  return {
    url: input.findUrl,
    requestId,
    tokenRequestId: typeof findTokenClaims.request_id === 'string' ? findTokenClaims.request_id : undefined,
    userToken: user.token,
    headers,
    ...(variant === 'unparseable-body' ? { body: json.slice(0, Math.floor(json.length / 2)) } : { body: json, bodyValue }),
    variant,
    userTokenClaims: user.claims,
    findTokenClaims,
  };
}
