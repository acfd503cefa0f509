// The CDA's public keys, fetched from the C&A's JWKS (pdp-protocol §5.10) and cached. The user
// token and the find request token are both verified against them (pdp-protocol §3.2).
//
// Keys are fetched on first use, not at start-up, so the provider can start before the C&A.
// A token whose kid we have not seen may mean the CDA has rotated its keys: refetch once, but not
// more than once every `refetchCooldownMs`, so that forged kids cannot make us hammer the C&A.
import { createVerifier, JoseError, type Jwk, type JwsParts, type Verifier } from '../crypto/jose.js';

export class CdaKeys {
  private verifier?: Promise<Verifier>;
  private keys: Jwk[] = [];
  private lastFetch = -Infinity;

  constructor(
    private readonly fetchKeys: () => Promise<{ keys: Record<string, unknown>[] }>,
    private readonly now: () => number,
    private readonly refetchCooldownMs = 10_000,
  ) {}

  private load(): Promise<Verifier> {
    this.lastFetch = this.now();
    const p = this.fetchKeys().then((jwks) => {
      this.keys = jwks.keys;
      return createVerifier(jwks.keys);
    });
    // A failed fetch is not cached: the next token tries again.
    p.catch(() => {
      if (this.verifier === p) this.verifier = undefined;
    });
    this.verifier = p;
    return p;
  }

  /** The public keys last fetched (fetched now if never). */
  async publicKeys(): Promise<Jwk[]> {
    await (this.verifier ?? this.load());
    return this.keys;
  }

  /**
   * Verify the signature of a compact JWS. Throws JoseError for a bad token, or a plain Error when
   * the keys cannot be fetched (that is our problem, not the caller's).
   */
  async verify(token: string): Promise<JwsParts> {
    const verifier = await (this.verifier ?? this.load());
    try {
      return await verifier.verify(token);
    } catch (err) {
      if (!(err instanceof JoseError) || err.code !== 'UNKNOWN_KEY' || this.now() - this.lastFetch < this.refetchCooldownMs) throw err;
      return (await this.load()).verify(token);
    }
  }
}
