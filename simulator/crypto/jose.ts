// The one place that makes and checks JOSE objects. Everything else signs, verifies,
// encrypts and decrypts through these small interfaces, so swapping the JWE library
// (jose) for another touches this file only.
import { createHmac, createPrivateKey, createPublicKey, generateKeyPair as generateRsa, timingSafeEqual, verify as cryptoVerify, type JsonWebKey as NodeJwk, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { signingPool } from './signing-pool.js';
import { CompactEncrypt, compactDecrypt, importJWK, type JWK } from 'jose';

export type Jwk = Record<string, unknown>;

export interface KeyPair {
  kid: string;
  use: 'sig' | 'enc';
  private: Jwk;
  public: Jwk;
}

export interface JwsParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

export type JoseErrorCode = 'MALFORMED' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'DECRYPT_FAILED';

export class JoseError extends Error {
  constructor(
    readonly code: JoseErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'JoseError';
  }
}

export interface Signer {
  kid: string;
  /** The public half of the signing key (what a JWKS would publish for it). */
  publicJwk: Jwk;
  /** Compact RS256 JWS; header is {alg:'RS256', kid, typ:'JWT', ...header}. */
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

export interface Verifier {
  /** Checks the signature only; callers check exp/aud/etc. against their own Clock. */
  verify(token: string): Promise<JwsParts>;
}

export interface Encrypter {
  /** Compact JWE: RSA-OAEP-256 / A128CBC-HS256, header also typ 'JWT', cty 'JWT', kid. */
  encrypt(payload: Record<string, unknown>): Promise<string>;
  /** A nested JWT: the compact JWS given, encrypted as the JWE's content (cty 'JWT' says so). */
  encryptJwt(jws: string): Promise<string>;
}

export interface Decrypter {
  decrypt(token: string): Promise<Record<string, unknown>>;
  /** The compact JWS inside a nested JWT; the caller verifies its signature. */
  decryptJwt(token: string): Promise<string>;
}

export const SIGNING_ALG = 'RS256';
export const KEY_ENCRYPTION_ALG = 'RSA-OAEP-256';
export const CONTENT_ENCRYPTION_ALG = 'A128CBC-HS256';

/** JWK members that only a private key has. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const generateRsaAsync = promisify(generateRsa);

/** RSA 2048 key pair as JWKs. Node's native generator runs off the main thread, so several can run at once. */
export async function generateKeyPair(kid: string, use: 'sig' | 'enc'): Promise<KeyPair> {
  const { privateKey } = await generateRsaAsync('rsa', { modulusLength: 2048 });
  const alg = use === 'sig' ? SIGNING_ALG : KEY_ENCRYPTION_ALG;
  const priv: Jwk = { ...(privateKey.export({ format: 'jwk' }) as Jwk), kid, use, alg };
  return { kid, use, private: priv, public: publicJwk(priv) };
}

/** The public half of a JWK: everything but the private members. */
export function publicJwk(jwk: Jwk): Jwk {
  const out: Jwk = { ...jwk };
  for (const m of PRIVATE_JWK_MEMBERS) delete out[m];
  return out;
}

// RS256 JWS are made and checked with node:crypto directly: compact JWS is a few lines of
// base64url around one RSA signature, and a general JOSE library's machinery cost about four times as
// much per signature (measured with node-jose: 667 vs 2,528 signatures/s). jose does the JWE work.
// The key is parsed once per signer; the signature itself is made off the event loop (signing-pool.ts).
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

export async function createSigner(pair: KeyPair): Promise<Signer> {
  const key = createPrivateKey({ key: pair.private as NodeJwk, format: 'jwk' });
  return {
    kid: pair.kid,
    publicJwk: pair.public,
    async sign(claims, header = {}) {
      // Negative tests sign with one key while claiming another's kid: the header wins.
      const input = `${b64url(JSON.stringify({ alg: SIGNING_ALG, kid: pair.kid, typ: 'JWT', ...header }))}.${b64url(JSON.stringify(claims))}`;
      return `${input}.${(await signingPool.sign(Buffer.from(input), key)).toString('base64url')}`;
    },
  };
}

export async function createVerifier(publicKeys: Jwk[]): Promise<Verifier> {
  // Keys are grouped by kid once. A kid can map to more than one key (a JWKS may carry the
  // previous generation under the same kid), so each candidate is tried.
  const byKid = new Map<string, KeyObject[]>();
  for (const jwk of publicKeys) {
    if (jwk.use === 'enc' || typeof jwk.kid !== 'string') continue;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: publicJwk(jwk) as NodeJwk, format: 'jwk' });
    } catch {
      continue; // not an RSA/EC key Node can read: it cannot have signed anything we accept
    }
    byKid.set(jwk.kid, [...(byKid.get(jwk.kid) ?? []), key]);
  }
  return {
    async verify(token) {
      const parts = decodeJws(token, true);
      if (!parts) throw new JoseError('MALFORMED', 'not a compact JWS with JSON header and payload');
      const { kid, alg } = parts.header;
      if (alg !== SIGNING_ALG) throw new JoseError('BAD_SIGNATURE', `algorithm ${String(alg)} is not allowed`);
      if (typeof kid !== 'string') throw new JoseError('UNKNOWN_KEY', 'JWS header has no kid');
      const candidates = byKid.get(kid);
      if (!candidates) throw new JoseError('UNKNOWN_KEY', `no published key with kid "${kid}"`);
      const dot = token.lastIndexOf('.');
      const input = Buffer.from(token.slice(0, dot));
      const signature = Buffer.from(token.slice(dot + 1), 'base64url');
      for (const key of candidates) {
        if (key.asymmetricKeyType === 'rsa' && cryptoVerify('sha256', input, key, signature)) return parts;
      }
      throw new JoseError('BAD_SIGNATURE', `signature does not verify with key "${kid}"`);
    },
  };
}

// Tokens no CDA party may accept, made here so negative tests (and deliberate provider defects)
// use the same JOSE code as everything else: an unsecured JWS (alg "none", RFC 7515 appendix A.5)
// and an HS256 JWS keyed with a public key, the algorithm-confusion forgery (RFC 8725 section 2.1).

/** An unsecured JWS: header {alg: "none", ...header}, an empty signature. */
export function unsecuredJws(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT', ...header }))}.${b64url(JSON.stringify(claims))}.`;
}

/** The HMAC key an algorithm-confusion forger uses: the RSA public key's PEM, which anyone can read from the JWKS. */
export function publicKeyPem(jwk: Jwk): string {
  return createPublicKey({ key: publicJwk(jwk) as NodeJwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
}

const hmac256 = (input: string, secret: string) => createHmac('sha256', secret).update(input).digest();

/** An HS256 JWS keyed with `secret`. PDP's tokens are RS256; this exists to be refused. */
export function hs256Jws(claims: Record<string, unknown>, secret: string, header: Record<string, unknown> = {}): string {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', ...header }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${hmac256(input, secret).toString('base64url')}`;
}

/** Does an HS256 JWS verify with `secret`? */
export function hs256Verifies(token: string, secret: string): boolean {
  const parts = decodeUnverified(token);
  if (!parts || parts.header.alg !== 'HS256') return false;
  const dot = token.lastIndexOf('.');
  const expected = hmac256(token.slice(0, dot), secret);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function createEncrypter(publicKey: Jwk): Promise<Encrypter> {
  const jwk = publicJwk(publicKey);
  const key = await importJWK(jwk as JWK, KEY_ENCRYPTION_ALG);
  const header = { alg: KEY_ENCRYPTION_ALG, enc: CONTENT_ENCRYPTION_ALG, kid: jwk.kid as string | undefined, typ: 'JWT', cty: 'JWT' };
  const seal = (text: string): Promise<string> => new CompactEncrypt(Buffer.from(text, 'utf8')).setProtectedHeader(header).encrypt(key);
  return {
    encrypt: (payload) => seal(JSON.stringify(payload)),
    encryptJwt: (jws) => seal(jws),
  };
}

export async function createDecrypter(pair: KeyPair): Promise<Decrypter> {
  const key = await importJWK(pair.private as JWK, KEY_ENCRYPTION_ALG);
  const algorithms = { keyManagementAlgorithms: [KEY_ENCRYPTION_ALG], contentEncryptionAlgorithms: [CONTENT_ENCRYPTION_ALG] };
  const open = async (token: string): Promise<string> => {
      const header = decodeJweHeader(token);
      if (!header) throw new JoseError('MALFORMED', 'not a compact JWE');
      if (header.alg !== KEY_ENCRYPTION_ALG || header.enc !== CONTENT_ENCRYPTION_ALG) {
        throw new JoseError('DECRYPT_FAILED', `unsupported JWE algorithms ${String(header.alg)}/${String(header.enc)}`);
      }
      if (header.kid !== undefined && header.kid !== pair.kid) {
        throw new JoseError('UNKNOWN_KEY', `JWE is for key "${String(header.kid)}", not "${pair.kid}"`);
      }
      try {
        return Buffer.from((await compactDecrypt(token, key, algorithms)).plaintext).toString('utf8');
      } catch {
        throw new JoseError('DECRYPT_FAILED', 'JWE does not decrypt with this key');
      }
  };
  return {
    async decrypt(token) {
      const payload = parseJsonObject(await open(token));
      if (!payload) throw new JoseError('MALFORMED', 'JWE payload is not a JSON object');
      return payload;
    },
    decryptJwt: open,
  };
}

/** Header and payload of a compact JWS, without checking the signature; null if it is not one. */
export function decodeUnverified(token: string): JwsParts | null {
  return decodeJws(token, false);
}

/** Header and payload of an unsecured JWS (alg "none": an empty signature) as well as a signed one. */
export function decodeUnsecured(token: string): JwsParts | null {
  return decodeJws(token, true);
}

function decodeJws(token: string, allowEmptySignature: boolean): JwsParts | null {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !BASE64URL.test(p)) || (parts[2] === '' && !allowEmptySignature)) return null;
  const header = parseJsonObject(fromBase64url(parts[0]));
  const payload = parseJsonObject(fromBase64url(parts[1]));
  return header && payload ? { header, payload } : null;
}

function decodeJweHeader(token: string): Record<string, unknown> | null {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 5 || parts.some((p) => !BASE64URL.test(p))) return null;
  return parseJsonObject(fromBase64url(parts[0]));
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function fromBase64url(s: string): string {
  return Buffer.from(s, 'base64url').toString('utf8');
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
