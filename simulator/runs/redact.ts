// Redaction for anything that leaves the machine in a bundle: the journal, the config, the reports.
// The rule, in one place:
//   - a JWS keeps its header and claims (they explain the exchange) but loses its signature, so no
//     token in a bundle can be presented again;
//   - an encrypted token (JWE, e.g. a permission ticket), a `--compat maps-harness` token wrapper,
//     any other value of a credential field (access_token, ticket, client_secret, …), any
//     `Bearer <token>`, a challenge's ticket and any credential in a query or form string is
//     replaced by a placeholder, `[redacted:KIND:N]`;
//   - PEM private keys and the private members of JWKs are removed.
// One Redactor gives each distinct secret its own placeholder, and the same one wherever the value
// appears (a ticket in a /perm answer, in the view's challenge and in the dashboard's /token form),
// so a redacted journal still says which exchange follows from which (the console relies on it).
// Redacting twice gives the same result, so a bundle made from a bundle stays the same.
import { unwrapToken } from '../ca/compat.js';

export const SIGNATURE_REMOVED = 'SIGNATURE-REMOVED';
/** What older bundles put in place of a secret; still read as redacted. */
export const REDACTED = '[redacted]';
const ENCRYPTED_REMOVED = '[encrypted token removed]';
const PRIVATE_KEY_REMOVED = '[private key removed]';
/** A placeholder: what kind of secret stood here, and which one (the same number for the same value). */
export const PLACEHOLDER = /^\[redacted:[a-z-]+:\d+\]$/;

/** Fields whose value is a credential, whatever its format, with the kind their placeholder names. */
const CREDENTIAL_FIELDS = new Map<string, string>([
  ...['access_token', 'refresh_token', 'id_token', 'token', 'rpt', 'pat', 'user_token', 'find_request_token', 'view_data_token'].map((f) => [f, 'token'] as const),
  ['ticket', 'ticket'], ['assertion', 'assertion'], ['claim_token', 'assertion'],
  ...['client_secret', 'password', 'passphrase', 'secret', 'x-api-key', 'api_key', 'apikey'].map((f) => [f, 'secret'] as const),
  ...['authorization', 'proxy-authorization', 'cookie', 'set-cookie'].map((f) => [f, 'credential'] as const),
]);
/** Members of a JWK that are private key material (RFC 7518 section 6). */
const PRIVATE_JWK_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']);

const B64 = '[A-Za-z0-9_-]';
// A compact JWE: five base64url parts, the first a JSON header ("eyJ" is base64url for '{"').
const JWE = new RegExp(`eyJ${B64}*\\.${B64}*\\.${B64}*\\.${B64}*\\.${B64}*`, 'g');
// The harness's wrapper: standard base64 of {"access_token":…}, raw or form-encoded.
const WRAPPER = /eyJhY2Nlc3NfdG9rZW4iOi(?:[A-Za-z0-9+/]|%2[BbFf])*(?:=|%3[Dd]){0,2}/g;
// A compact JWS: three parts. The signature is replaced; an unsigned token (alg none) has none to remove.
const JWS = new RegExp(`(eyJ${B64}*\\.${B64}*\\.)(${B64}+)`, 'g');
const WHOLE_JWS = new RegExp(`^eyJ${B64}*\\.${B64}*\\.${B64}*$`);
const WHOLE_JWE = new RegExp(`^${JWE.source}$`);
const PEM_PRIVATE = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g;
const CHALLENGE_TICKET = /\b(ticket\s*=\s*")([^"]*)(")/gi;
const BEARER = /\b(Bearer|Basic)(\s+)([^\s",;]+)/gi;
const QUERY_CREDENTIAL = /(^|[?&])(access_token|token|ticket|assertion|claim_token|client_secret|password|api_key|apikey|secret)=([^&#\s]*)/gi;
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi;

const isRedactedToken = (s: string) =>
  PLACEHOLDER.test(s) || s.endsWith(`.${SIGNATURE_REMOVED}`) || s === REDACTED || s === ENCRYPTED_REMOVED || /^eyJ[\w-]*\.[\w-]*\.$/.test(s);

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The kind a harness wrapper's token_type names (a permission ticket or an RPT). */
function wrapperKind(wrapper: string): string {
  try {
    const type = (JSON.parse(Buffer.from(decodeURIComponentSafe(wrapper), 'base64').toString('utf8')) as { token_type?: unknown }).token_type;
    return type === 'pension_dashboard_pmt' ? 'ticket' : type === 'pension_dashboard_rpt' ? 'rpt' : 'token';
  } catch {
    return 'token';
  }
}

/** Redaction with memory: one placeholder per distinct secret, across everything it redacts. */
export class Redactor {
  private readonly placeholders = new Map<string, string>();

  /** The placeholder for one secret; a value seen before (raw, form-encoded or wrapped) gets the one it had. */
  placeholder(value: string, kind: string): string {
    // The same secret in a form body, a JSON field or a harness wrapper is one secret.
    const key = unwrapToken(decodeURIComponentSafe(value));
    let p = this.placeholders.get(key);
    if (!p) this.placeholders.set(key, (p = `[redacted:${kind}:${this.placeholders.size + 1}]`));
    return p;
  }

  /** A secret in a context that names it (a Bearer, a challenge, a form field): replaced unless already safe. */
  private contextual(value: string, kind: string, encode = false): string {
    if (!value || value.startsWith('[') || isRedactedToken(decodeURIComponentSafe(value))) return value;
    const p = this.placeholder(value, kind);
    return encode ? encodeURIComponent(p) : p;
  }

  /** Redact the credentials inside one string (free text, a header value, a URL or a form body). */
  text(s: string): string {
    return s
      .replace(PEM_PRIVATE, PRIVATE_KEY_REMOVED)
      .replace(JWE, (m) => this.placeholder(m, 'jwe'))
      .replace(WRAPPER, (m) => this.placeholder(m, wrapperKind(m)))
      .replace(JWS, (m, headerAndClaims: string, sig: string) => (sig === SIGNATURE_REMOVED ? m : `${headerAndClaims}${SIGNATURE_REMOVED}`))
      .replace(CHALLENGE_TICKET, (_m, lead: string, value: string, end: string) => `${lead}${this.contextual(value, 'ticket')}${end}`)
      .replace(BEARER, (_m, scheme: string, sp: string, token: string) => `${scheme}${sp}${this.contextual(token, 'token')}`)
      .replace(QUERY_CREDENTIAL, (_m, lead: string, name: string, value: string) => `${lead}${name}=${this.contextual(value, CREDENTIAL_FIELDS.get(name.toLowerCase()) ?? 'secret', true)}`)
      .replace(URL_USERINFO, (_m, scheme: string, user: string, pass: string) => `${scheme}${user}:${this.contextual(pass, 'password', true)}@`);
  }

  /** Redact a JSON value: every string by the text rule, credential fields whole, private JWK members dropped. */
  value(value: unknown, field?: string): unknown {
    if (typeof value === 'string') return this.string(value, field);
    if (Array.isArray(value)) return value.map((v) => this.value(v, field));
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      const isJwk = typeof o.kty === 'string';
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(o)) {
        if (isJwk && PRIVATE_JWK_MEMBERS.has(k)) continue;
        out[k] = this.value(v, k);
      }
      return out;
    }
    return value;
  }

  private string(value: string, field?: string): string {
    const kind = field && CREDENTIAL_FIELDS.get(field.toLowerCase());
    // A whole JWS keeps its claims in a credential field too, so it reads the same wherever it appears.
    // A value that is itself a credential field's name ("token": "user_token" in a scenario step) says which
    // token to use, and is no secret: replaced, the bundle's scenario files could not be played again.
    if (!kind || CREDENTIAL_FIELDS.has(value) || WHOLE_JWS.test(value) || /^(Bearer|Basic)\s/i.test(value)) return this.text(value);
    // A whole JWE in a named field takes the field's kind (a ticket), so its placeholder says what it was.
    if (WHOLE_JWE.test(value)) return this.placeholder(value, kind);
    const text = this.text(value);
    return isRedactedToken(text) ? text : this.placeholder(value, kind);
  }
}

/** Redact one string on its own (placeholders numbered afresh). */
export function redactText(s: string): string {
  return new Redactor().text(s);
}

/** Redact one JSON value on its own (placeholders numbered afresh). */
export function redactValue(value: unknown, field?: string): unknown {
  return new Redactor().value(value, field);
}
