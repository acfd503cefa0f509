// Find requests exactly as DESIGN section 3 fixes them: POST {findUrl}, X-Request-ID, body
// {user_token, find_request_token}; both RS256 JWS signed with the PFS key the C&A JWKS publishes.
// Broken variants exist so a provider's refusal of untrustworthy finds can be tested.
import { randomUUID } from 'node:crypto';
import { epochSeconds, type Clock } from '../core/clock.js';
import type { Signer } from '../crypto/jose.js';
import type { FindData } from '../testdata/users.js';
import { mintUserToken } from './user-token.js';

export type FindVariant =
  | 'valid'
  | 'bad-signature' // find request token signed by a key not in the JWKS
  | 'expired' // both tokens expired
  | 'wrong-audience' // find request token addressed to another find URL
  | 'missing-request-id' // no X-Request-ID header
  | 'non-uuid-request-id' // X-Request-ID that is not a UUID
  | 'unparseable-body'; // not JSON

export const FIND_VARIANTS: FindVariant[] = ['valid', 'bad-signature', 'expired', 'wrong-audience', 'missing-request-id', 'non-uuid-request-id', 'unparseable-body'];

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
  /** The id the tokens carry; equals requestId for valid finds. */
  tokenRequestId: string;
  headers: Record<string, string>;
  body: string;
  variant: FindVariant;
  userTokenClaims: Record<string, unknown>;
  findTokenClaims: Record<string, unknown>;
}

export async function buildFindRequest(input: FindRequestInput): Promise<FindRequest> {
  const variant = input.variant ?? 'valid';
  const life = input.lifetimeSeconds ?? 60;
  const tokenRequestId = input.requestId ?? randomUUID();
  const user = await mintUserToken({
    user: input.user,
    clock: input.clock,
    pfsSigner: input.pfsSigner,
    rogueSigner: input.rogueSigner,
    pfsIssuer: input.pfsIssuer,
    audience: input.caTokenEndpoint,
    variant: variant === 'expired' ? 'expired' : 'valid',
    lifetimeSeconds: life,
  });
  let iat = epochSeconds(input.clock);
  if (variant === 'expired') iat -= life + 60;
  const findTokenClaims: Record<string, unknown> = {
    iss: input.pfsIssuer,
    aud: variant === 'wrong-audience' ? 'https://another-provider.invalid/find' : input.findUrl,
    iat,
    exp: iat + life,
    jti: randomUUID(),
    request_id: tokenRequestId,
    find_data: input.user.findData,
  };
  const findToken =
    variant === 'bad-signature' ? await input.rogueSigner.sign(findTokenClaims, { kid: input.pfsSigner.kid }) : await input.pfsSigner.sign(findTokenClaims);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  let requestId: string | undefined = tokenRequestId;
  if (variant === 'missing-request-id') requestId = undefined;
  if (variant === 'non-uuid-request-id') requestId = `find-${Date.now()}`;
  if (requestId) headers['X-Request-ID'] = requestId;
  const json = JSON.stringify({ user_token: user.token, find_request_token: findToken });
  return {
    url: input.findUrl,
    requestId,
    tokenRequestId,
    headers,
    body: variant === 'unparseable-body' ? json.slice(0, Math.floor(json.length / 2)) : json,
    variant,
    userTokenClaims: user.claims,
    findTokenClaims,
  };
}
