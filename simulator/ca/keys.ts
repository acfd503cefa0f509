// The C&A's view of the crypto material: who signs what, and who is trusted for what.
// Built once at start-up (keystores are costly to build, cheap to use).
import {
  createDecrypter,
  createEncrypter,
  createSigner,
  createVerifier,
  type Decrypter,
  type Encrypter,
  type Jwk,
  type Signer,
  type Verifier,
} from '../crypto/jose.js';
import type { Material } from '../crypto/material.js';

export interface CaKeys {
  /** Signs PATs and RPTs. */
  caSigner: Signer;
  /** Permission tickets are JWEs the C&A encrypts to itself. */
  ticketEncrypter: Encrypter;
  ticketDecrypter: Decrypter;
  /** Verifies any token signed by a published key; callers then check the kid's role. */
  verifier: Verifier;
  /** kids allowed to sign each kind of token (current and retired generation). */
  kids: { pfs: Set<string>; ca: Set<string>; dashboard: Set<string> };
  jwks(): { keys: Jwk[] };
}

function kidsWith(m: Material, prefix: string): Set<string> {
  return new Set(
    m
      .jwks()
      .keys.map((k) => String(k.kid))
      .filter((kid) => kid.startsWith(prefix)),
  );
}

export async function buildCaKeys(m: Material): Promise<CaKeys> {
  const published = m.jwks();
  return {
    caSigner: await createSigner(m.keys.ca),
    ticketEncrypter: await createEncrypter(m.keys.caEncryption.public),
    ticketDecrypter: await createDecrypter(m.keys.caEncryption),
    verifier: await createVerifier(published.keys),
    kids: { pfs: kidsWith(m, 'pfs-'), ca: kidsWith(m, 'ca-signing'), dashboard: kidsWith(m, 'dashboard-') },
    jwks: () => published,
  };
}
