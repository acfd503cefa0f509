// The signed user token the pension finder service (PFS) sends with every find request, and that
// the provider exchanges, unchanged, for the user's PAT. Shape: DESIGN section 3. It carries no
// personal data: `sub` is a stable UUID per user and `name` an opaque 40-hex digest.
import { randomUUID } from 'node:crypto';
import { epochSeconds, type Clock } from '../core/clock.js';
import type { Signer } from '../crypto/jose.js';
import { flawedClaims, signWithFlaw, tokenTimes, type TokenBreakage } from './token-flaws.js';

/** The broken user tokens the admin API and `cda-sim token` mint by name (any flaw can be built: token-flaws.ts). */
export type UserTokenVariant = 'valid' | 'expired' | 'not-yet-valid' | 'bad-signature' | 'wrong-audience' | 'wrong-issuer';
export const USER_TOKEN_VARIANTS: UserTokenVariant[] = ['valid', 'expired', 'not-yet-valid', 'bad-signature', 'wrong-audience', 'wrong-issuer'];

export interface UserTokenInput {
  user: { sub: string; name: string };
  clock: Clock;
  /** Signs with the published PFS key. */
  pfsSigner: Signer;
  /** Signs with a key that is not published: wrongly signed tokens. */
  rogueSigner: Signer;
  pfsIssuer: string;
  /** The C&A token endpoint URL: the audience of a user token. */
  audience: string;
  variant?: UserTokenVariant;
  /** One flaw of the token (overrides `variant`). */
  flaw?: Pick<TokenBreakage, 'flaw' | 'claim'>;
  lifetimeSeconds?: number;
}

export async function mintUserToken(input: UserTokenInput): Promise<{ token: string; claims: Record<string, unknown> }> {
  const variant = input.variant ?? 'valid';
  const flaw = input.flaw ?? (variant === 'valid' ? undefined : { flaw: variant });
  const { iat, exp, nbf } = tokenTimes(epochSeconds(input.clock), input.lifetimeSeconds ?? 60, flaw?.flaw);
  const claims = flawedClaims({ iss: input.pfsIssuer, aud: input.audience, sub: input.user.sub, name: input.user.name, iat, nbf, exp, jti: randomUUID() }, flaw);
  return { token: await signWithFlaw(claims, flaw?.flaw, input.pfsSigner, input.rogueSigner), claims };
}
