// How cda-sim breaks ONE signed token of a find request, so that each rule a provider must apply to
// a find is tested on its own (DESIGN section 3 "Find request"): a target token (the user token or
// the find request token) and a flaw in its header, signature or claims. The other token stays valid.
import { randomUUID } from 'node:crypto';
import { hs256Jws, publicKeyPem, unsecuredJws, type Signer } from '../crypto/jose.js';

/** The two tokens of a find, by their field names in the body. */
export const FIND_TOKENS = ['user_token', 'find_request_token'] as const;
export type FindToken = (typeof FIND_TOKENS)[number];

export const TOKEN_FLAWS = [
  'bad-signature', // signed with another key while naming the PFS key's kid
  'unknown-key', // signed with a key whose kid is not in the C&A JWKS
  'alg-none', // an unsecured JWS: alg "none", no signature
  'alg-hs256', // HS256 keyed with the PFS public key (the algorithm-confusion forgery)
  'expired', // exp in the past
  'not-yet-valid', // nbf in the future
  'wrong-issuer', // iss is not the PFS
  'wrong-audience', // aud is not the token's recipient
  'missing-claim', // one required claim left out (`claim` names it)
  'request-id-mismatch', // find request token only: request_id differs from X-Request-ID
] as const;
export type TokenFlaw = (typeof TOKEN_FLAWS)[number];

/** The claims each token carries (DESIGN section 3): each is required, so each can be left out. */
export const TOKEN_CLAIMS: Record<FindToken, readonly string[]> = {
  user_token: ['iss', 'aud', 'sub', 'name', 'iat', 'nbf', 'exp', 'jti'],
  find_request_token: ['iss', 'aud', 'iat', 'exp', 'jti', 'request_id', 'find_data'],
};

export interface TokenBreakage {
  token: FindToken;
  flaw: TokenFlaw;
  /** For missing-claim: the claim left out. */
  claim?: string;
}

/** What is wrong with a breakage as scenario data (empty when it is one cda-sim can build). */
export function breakageProblems(b: { token?: unknown; flaw?: unknown; claim?: unknown }): string[] {
  if (!FIND_TOKENS.includes(b.token as FindToken)) return [`"token" must be one of: ${FIND_TOKENS.join(', ')}`];
  if (!TOKEN_FLAWS.includes(b.flaw as TokenFlaw)) return [`"flaw" must be one of: ${TOKEN_FLAWS.join(', ')}`];
  const claims = TOKEN_CLAIMS[b.token as FindToken];
  if (b.flaw === 'missing-claim') {
    return claims.includes(b.claim as string) ? [] : [`"claim" must name a claim of the ${String(b.token)}: ${claims.join(', ')}`];
  }
  if (b.claim !== undefined) return ['"claim" goes only with the flaw missing-claim'];
  if (b.flaw === 'request-id-mismatch' && b.token !== 'find_request_token') return ['the flaw request-id-mismatch is a flaw of the find_request_token'];
  return [];
}

const FLAW_WORDS: Record<TokenFlaw, string> = {
  'bad-signature': 'has a signature made with a key other than the one its kid names',
  'unknown-key': 'is signed with a key that is not in the C&A JWKS (its kid is unknown)',
  'alg-none': 'is unsecured: header alg "none", no signature',
  'alg-hs256': 'is signed with header alg "HS256", keyed with the PFS public key (algorithm confusion)',
  expired: 'has `exp` in the past (expired)',
  'not-yet-valid': 'has `nbf` in the future (not yet valid)',
  'wrong-issuer': 'has an `iss` that is not the PFS',
  'wrong-audience': 'has an `aud` that is not its recipient',
  'missing-claim': 'has no such claim',
  'request-id-mismatch': 'has a `request_id` that differs from the X-Request-ID header',
};

/** In plain words, naming the token and the claim: "user_token has `exp` in the past (expired)". */
export function describeBreakage(b: TokenBreakage): string {
  return b.flaw === 'missing-claim' ? `${b.token} has no \`${b.claim}\` claim` : `${b.token} ${FLAW_WORDS[b.flaw]}`;
}

/** A short stable label, for journal tags and replays: "user_token:missing-claim:jti". */
export function breakageLabel(b: TokenBreakage): string {
  return [b.token, b.flaw, b.claim].filter(Boolean).join(':');
}

/** iat, exp and nbf for a token of `lifeSeconds`, moved as the flaw says. */
export function tokenTimes(nowSeconds: number, lifeSeconds: number, flaw?: TokenFlaw): { iat: number; exp: number; nbf: number } {
  const iat = flaw === 'expired' ? nowSeconds - lifeSeconds - 60 : nowSeconds;
  return { iat, exp: iat + lifeSeconds, nbf: flaw === 'not-yet-valid' ? iat + 3600 : iat };
}

/** The claims with the flaw applied: a wrong iss or aud, another request_id, or one claim left out. */
export function flawedClaims(claims: Record<string, unknown>, b: Pick<TokenBreakage, 'flaw' | 'claim'> | undefined): Record<string, unknown> {
  const out = { ...claims };
  if (b?.flaw === 'wrong-issuer') out.iss = 'https://not-the-pfs.invalid/issuer';
  if (b?.flaw === 'wrong-audience') out.aud = 'https://wrong-audience.invalid/endpoint';
  if (b?.flaw === 'request-id-mismatch') out.request_id = randomUUID();
  if (b?.flaw === 'missing-claim' && b.claim) delete out[b.claim];
  return out;
}

/** Sign the claims as the PFS would, or in the broken way the flaw says. */
export function signWithFlaw(claims: Record<string, unknown>, flaw: TokenFlaw | undefined, pfs: Signer, rogue: Signer): Promise<string> {
  switch (flaw) {
    case 'bad-signature':
      return rogue.sign(claims, { kid: pfs.kid });
    case 'unknown-key':
      return rogue.sign(claims);
    case 'alg-none':
      return Promise.resolve(unsecuredJws(claims, { kid: pfs.kid }));
    case 'alg-hs256':
      return Promise.resolve(hs256Jws(claims, publicKeyPem(pfs.publicJwk), { kid: pfs.kid }));
    default:
      return pfs.sign(claims);
  }
}
