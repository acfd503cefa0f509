// What a client certificate must be, beyond chaining to a trusted CA: fit for client
// authentication (extended key usage clientAuth) and strong enough (RSA of 2048 bits or more, or
// EC on P-256 or a larger curve). The TLS handshake checks the chain; these checks run once it is
// done; cert-refusal.ts answers a refused connection.
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
export const MIN_RSA_BITS = 2048;
/** Named curves of 256 bits or more (OpenSSL's names, as node reports them). */
const STRONG_CURVES = ['prime256v1', 'secp384r1', 'secp521r1'];

/** The rule a client certificate breaks, in one line; undefined when it is fit for mTLS. */
export function clientCertViolation(cert: X509Certificate): string | undefined {
  // keyUsage is node's name for the extended key usage OIDs; undefined when the extension is absent.
  const purposes = cert.keyUsage ?? [];
  if (!purposes.includes(CLIENT_AUTH_OID)) {
    return `the client certificate's extended key usage ${purposes.length ? `(${purposes.join(', ')})` : '(none)'} lacks clientAuth (${CLIENT_AUTH_OID})`;
  }
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) return `the client certificate's RSA key is ${bits} bits; at least ${MIN_RSA_BITS} are required`;
  } else if (key.asymmetricKeyType === 'ec') {
    if (!STRONG_CURVES.includes(details.namedCurve ?? '')) return `the client certificate's EC key is on ${details.namedCurve ?? 'an unnamed curve'}; P-256 or larger is required`;
  } else {
    return `the client certificate's ${key.asymmetricKeyType ?? 'unknown'} key is not accepted; RSA (2048 bits or more) or EC (P-256 or larger) is required`;
  }
  return undefined;
}

// Judged once per connection: every request on a kept-alive socket gets the same answer.
const judged = new WeakMap<Socket, string | null>();

/** Why the certificate presented on this connection is refused; undefined if none was presented or it is fit. */
export function clientCertRefusal(socket: Socket): string | undefined {
  if (!judged.has(socket)) judged.set(socket, judge(socket as TLSSocket) ?? null);
  return judged.get(socket) ?? undefined;
}

function judge(socket: TLSSocket): string | undefined {
  if (typeof socket.getPeerX509Certificate !== 'function') return undefined;
  const cert = socket.getPeerX509Certificate();
  return cert ? clientCertViolation(cert) : undefined;
}

// OpenSSL's verdicts on a client certificate refused during the handshake, in words.
const HANDSHAKE_REASONS: Record<string, string> = {
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'no client certificate was presented',
  INVALID_PURPOSE: `the client certificate's extended key usage lacks clientAuth (${CLIENT_AUTH_OID})`,
  CERT_HAS_EXPIRED: 'the client certificate has expired',
  CERT_NOT_YET_VALID: 'the client certificate is not valid yet',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the client certificate was not issued by a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the client certificate was not issued by a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT: 'the client certificate was not issued by a trusted CA',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the client certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the client certificate chains to an untrusted self-signed CA',
  CERT_SIGNATURE_FAILURE: "the client certificate's signature does not verify",
  EE_KEY_TOO_SMALL: `the client certificate's key is too small; RSA of at least ${MIN_RSA_BITS} bits is required`,
};

/** A client certificate the TLS handshake refused: OpenSSL's code, the reason in words, and who presented it. */
export interface HandshakeRefusal {
  code: string;
  reason: string;
  remoteAddress?: string;
  servername?: string;
}

/**
 * Why a handshake was refused for the client certificate; undefined when the error is not about
 * the client certificate (a TLS version below 1.2, bytes that are not TLS).
 */
export function handshakeCertRefusal(err: NodeJS.ErrnoException, socket: TLSSocket): HandshakeRefusal | undefined {
  const authError = (socket as TLSSocket & { authorizationError?: string | Error | null }).authorizationError;
  const code = typeof authError === 'string' ? authError : (authError?.message ?? (err.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' ? err.code : undefined));
  if (!code) return undefined;
  return {
    code,
    reason: HANDSHAKE_REASONS[code] ?? `the client certificate was refused (${code})`,
    remoteAddress: socket.remoteAddress,
    servername: (socket as TLSSocket & { servername?: string }).servername || undefined,
  };
}
