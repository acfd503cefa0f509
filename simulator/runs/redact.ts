// Redaction for anything that leaves the machine in a bundle: the journal, the config, the reports.
// The rule, in one place:
//   - a JWS keeps its header and claims (they explain the exchange) but loses its signature, so no
//     token in a bundle can be presented again;
//   - an encrypted token (JWE, e.g. a permission ticket) is replaced whole;
//   - any other value of a credential field (access_token, ticket, client_secret, …), any
//     `Bearer <token>` and any credential in a query or form string is replaced;
//   - PEM private keys and the private members of JWKs are removed.
// Redacting twice gives the same result, so a bundle made from a bundle stays the same.

export const SIGNATURE_REMOVED = 'SIGNATURE-REMOVED';
export const REDACTED = '[redacted]';
const ENCRYPTED_REMOVED = '[encrypted token removed]';
const PRIVATE_KEY_REMOVED = '[private key removed]';

/** Fields whose value is a credential, whatever its format. */
const CREDENTIAL_FIELDS = new Set([
  'access_token', 'refresh_token', 'id_token', 'token', 'ticket', 'assertion', 'claim_token', 'rpt', 'pat',
  'user_token', 'find_request_token', 'view_data_token', 'client_secret', 'password', 'passphrase', 'secret',
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api_key', 'apikey',
]);
/** Members of a JWK that are private key material (RFC 7518 section 6). */
const PRIVATE_JWK_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']);

const B64 = '[A-Za-z0-9_-]';
// A compact JWE: five base64url parts, the first a JSON header ("eyJ" is base64url for '{"').
const JWE = new RegExp(`eyJ${B64}*\\.${B64}*\\.${B64}*\\.${B64}*\\.${B64}*`, 'g');
// A compact JWS: three parts. The signature is replaced; an unsigned token (alg none) has none to remove.
const JWS = new RegExp(`(eyJ${B64}*\\.${B64}*\\.)(${B64}+)`, 'g');
const PEM_PRIVATE = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g;
const BEARER = /\b(Bearer|Basic)(\s+)([^\s",;]+)/gi;
const QUERY_CREDENTIAL = /(^|[?&])(access_token|token|ticket|assertion|claim_token|client_secret|password|api_key|apikey|secret)=([^&#\s]*)/gi;
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi;

const isRedactedToken = (s: string) => s.endsWith(`.${SIGNATURE_REMOVED}`) || s === REDACTED || s === ENCRYPTED_REMOVED || /^eyJ[\w-]*\.[\w-]*\.$/.test(s);

/** Redact the credentials inside one string (free text, a header value, a URL or a form body). */
export function redactText(s: string): string {
  return s
    .replace(PEM_PRIVATE, PRIVATE_KEY_REMOVED)
    .replace(JWE, ENCRYPTED_REMOVED)
    .replace(JWS, (_m, headerAndClaims: string, sig: string) => (sig === SIGNATURE_REMOVED ? _m : `${headerAndClaims}${SIGNATURE_REMOVED}`))
    .replace(BEARER, (m, scheme: string, sp: string, token: string) => (isRedactedToken(token) ? m : `${scheme}${sp}${REDACTED}`))
    .replace(QUERY_CREDENTIAL, (m, lead: string, name: string, value: string) => (!value || value.startsWith('[') || isRedactedToken(decodeURIComponentSafe(value)) ? m : `${lead}${name}=${encodeURIComponent(REDACTED)}`))
    .replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Redact a JSON value: every string by the text rule, credential fields whole, private JWK members dropped. */
export function redactValue(value: unknown, field?: string): unknown {
  if (typeof value === 'string') {
    const text = redactText(value);
    if (field && CREDENTIAL_FIELDS.has(field.toLowerCase()) && !isRedactedToken(text)) {
      // A credential field keeps only what the text rule made safe: a signature-less JWS.
      return /^(Bearer|Basic)\s/i.test(text) ? text : REDACTED;
    }
    return text;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, field));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const isJwk = typeof o.kty === 'string';
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      if (isJwk && PRIVATE_JWK_MEMBERS.has(k)) continue;
      out[k] = redactValue(v, k);
    }
    return out;
  }
  return value;
}
