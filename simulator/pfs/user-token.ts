// The signed user token the pension finder service (PFS) sends with every find request, and that
// the provider exchanges, unchanged, for the user's PAT. Shape: DESIGN section 3. It carries no
// personal data: `sub` is a stable UUID per user and `name` an opaque 40-hex digest.
import { randomUUID } from 'node:crypto';
import { epochSeconds, type Clock } from '../core/clock.js';
import type { Signer } from '../crypto/jose.js';

export type UserTokenVariant = 'valid' | 'expired' | 'not-yet-valid' | 'bad-signature' | 'wrong-audience' | 'wrong-issuer';
export const USER_TOKEN_VARIANTS: UserTokenVariant[] = ['valid', 'expired', 'not-yet-valid', 'bad-signature', 'wrong-audience', 'wrong-issuer'];

export interface UserTokenInput {
  user: { sub: string; name: string };
  clock: Clock;
  /** Signs with the published PFS key. */
  pfsSigner: Signer;
  /** Signs with a key that is not published, while claiming the PFS kid: a wrongly signed token. */
  rogueSigner: Signer;
  pfsIssuer: string;
  /** The C&A token endpoint URL: the audience of a user token. */
  audience: string;
  variant?: UserTokenVariant;
  lifetimeSeconds?: number;
}

export async function mintUserToken(input: UserTokenInput): Promise<{ token: string; claims: Record<string, unknown> }> {
  const variant = input.variant ?? 'valid';
  const life = input.lifetimeSeconds ?? 60;
  let iat = epochSeconds(input.clock);
  if (variant === 'expired') iat -= life + 60;
  const claims: Record<string, unknown> = {
    iss: variant === 'wrong-issuer' ? 'https://not-the-pfs.invalid/issuer' : input.pfsIssuer,
    aud: variant === 'wrong-audience' ? 'https://wrong-audience.invalid/token' : input.audience,
    sub: input.user.sub,
    name: input.user.name,
    iat,
    nbf: variant === 'not-yet-valid' ? iat + 3600 : iat,
    exp: iat + life,
    jti: randomUUID(),
  };
  const token =
    variant === 'bad-signature'
      ? await input.rogueSigner.sign(claims, { kid: input.pfsSigner.kid })
      : await input.pfsSigner.sign(claims);
  return { token, claims };
}
