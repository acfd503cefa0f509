// Deliberate defects the reference provider can be told to have. They exist ONLY so cda-sim's own
// tests can prove that each of its checks is able to fail: a check that has never been seen to
// fail proves nothing. A provider's engineer reading this folder can ignore every line marked
// "FAULT (for cda-sim's own tests)": with no faults switched on, the code takes the clean path.
import type { RequestHandler } from 'express';
import type { TLSSocket } from 'node:tls';
import type { Decision, HttpAnswer } from './retry.js';
import { sendProblem } from './http.js';

export type ProviderFault =
  | 'ack-200' // answers a find with 200 instead of 202
  | 'no-inbound-request-id' // registers without inbound_request_id
  | 'wrong-description' // registers a description that differs from the scheme name
  | 'register-invalid-finds' // skips find-token verification and registers anyway
  | 'skip-introspection' // answers a view carrying any bearer without calling /introspect
  | 'unsigned-view-data' // view_data_token with alg "none"
  | 'wrongly-signed-view-data' // signed with a key not in its published JWKS
  | 'ignore-permission-resource' // does not check the RPT's permission is for the requested PeI
  | 'ignore-update-file' // does nothing with the Stage 2 update file
  | 'wrong-deletion-reason' // deletes every PeI the update file names with asset-removed, whatever it says
  | 'register-possible-as-definite' // registers (and serves) possible matches as match-yes
  | 'full-data-for-possible-match' // returns the full view data for a possible match
  | 'ignore-permission-expiry' // skips the introspection check on the permission's own exp
  | 'retry-429-at-once' // retries a 429 at once, in a tight loop, ignoring Retry-After
  | 'give-up-on-5xx' // gives up on the first 500/502/503/504
  | 'register-without-pat' // registers even when no PAT could be obtained
  | 'data-when-introspection-fails' // returns view data when /introspect fails
  | 'accept-foreign-client-cert' // asks for a client certificate but accepts any (a foreign CA's, an expired one, none)
  | 'accept-weak-client-certs' // checks a client certificate's chain only: accepts one without clientAuth, or with an RSA-1024 key
  | 'match-on-one-key' // over-matching: a possible match whenever one key (surname, previous surname, date of birth, postcode, NINO) agrees
  | 'retry-fixed-interval-with-jitter' // retries a 5xx after a fixed interval with jitter (400 ms ± 20%), not a growing backoff
  | 'reuse-request-id' // one X-Request-ID for every C&A call the C&A does not refuse it on (all but POST /rreguri)
  // Find verification: each lets one kind of untrustworthy find through (find-verification.ts).
  | 'unchecked-user-token' // passes the user token on without checking it ("the C&A checks it")
  | 'ignore-bad-signature' // accepts an RS256 signature that does not verify with the key its kid names
  | 'accept-unknown-kid' // accepts a token whose kid is not in the JWKS, unverified
  | 'accept-alg-none' // accepts an unsecured token (alg "none")
  | 'accept-hs256' // verifies an HS256 token with the RSA public key as the HMAC secret (algorithm confusion)
  | 'ignore-user-token-expiry' // does not check the user token's exp
  | 'ignore-find-token-expiry' // does not check the find request token's exp
  | 'ignore-nbf' // does not check nbf
  | 'ignore-iss' // does not check iss
  | 'ignore-aud' // does not check aud
  | 'ignore-missing-claims' // accepts tokens lacking required claims, judging only the claims present
  | 'ignore-request-id-mismatch' // does not compare the find request token's request_id with X-Request-ID
  // The first view leg (view.ts).
  | 'no-uma-challenge' // answers a view with no usable bearer 401 with no WWW-Authenticate challenge (and no ticket)
  | 'introspect-empty-bearer' // takes "Authorization: Bearer" with no token as a bearer, and introspects the empty string
  | 'introspect-any-scheme' // takes the credentials of any Authorization scheme (Basic …) as the RPT
  // Allowed by the official rreguri document, refused by cda-sim's own rule (closed object) unless --strict=false.
  | 'register-extra-field' // registers with a field rreguri v1_2 does not name (registration_reason, from its drafts)
  // Service levels, caught by `cda-sim soak` (view.ts; reporting.ts).
  | 'slow-view-data' // answers every view with data SLOW_VIEW_DELAY_MS late, over PDP's 10 s
  | 'undercount-views-under-load'; // counts view requests through a bounded queue: under sustained traffic the overflow is not counted

export const PROVIDER_FAULTS: readonly ProviderFault[] = [
  'ack-200',
  'no-inbound-request-id',
  'wrong-description',
  'register-invalid-finds',
  'skip-introspection',
  'unsigned-view-data',
  'wrongly-signed-view-data',
  'ignore-permission-resource',
  'ignore-update-file',
  'wrong-deletion-reason',
  'register-possible-as-definite',
  'full-data-for-possible-match',
  'ignore-permission-expiry',
  'retry-429-at-once',
  'give-up-on-5xx',
  'register-without-pat',
  'data-when-introspection-fails',
  'accept-foreign-client-cert',
  'accept-weak-client-certs',
  'match-on-one-key',
  'retry-fixed-interval-with-jitter',
  'reuse-request-id',
  'unchecked-user-token',
  'ignore-bad-signature',
  'accept-unknown-kid',
  'accept-alg-none',
  'accept-hs256',
  'ignore-user-token-expiry',
  'ignore-find-token-expiry',
  'ignore-nbf',
  'ignore-iss',
  'ignore-aud',
  'ignore-missing-claims',
  'ignore-request-id-mismatch',
  'no-uma-challenge',
  'introspect-empty-bearer',
  'introspect-any-scheme',
  'register-extra-field',
  'slow-view-data',
  'undercount-views-under-load',
];

/** How late the slow-view-data defect answers: just over the 10 s after which PDP wants a view reported. */
export const SLOW_VIEW_DELAY_MS = 10_500;

/**
 * FAULT (for cda-sim's own tests): undercount-views-under-load counts view requests through a queue
 * that takes a burst (a whole rehearsal's views fit) but drains only a few a second; a request that
 * finds it full is served but never counted, so req_count falls short once traffic is sustained.
 */
export const COUNTING_QUEUE = { burst: 100, drainPerSecond: 5 };

/** FAULT (for cda-sim's own tests): the retry defects, applied to each retry decision. */
export function bendRetry(faults: Faults): ((d: Decision, outcome: HttpAnswer | Error) => Decision) | undefined {
  if (!faults.has('retry-429-at-once') && !faults.has('give-up-on-5xx') && !faults.has('retry-fixed-interval-with-jitter')) return undefined;
  return (d, outcome) => {
    const status = outcome instanceof Error ? 0 : outcome.status;
    if (faults.has('retry-429-at-once') && status === 429 && d.action === 'retry') return { ...d, delayMs: 0 };
    if (faults.has('give-up-on-5xx') && status >= 500) return { action: 'stop', why: `${status}: giving up at once` };
    if (faults.has('retry-fixed-interval-with-jitter') && status >= 500 && d.action === 'retry') return { ...d, delayMs: Math.round(400 * (0.8 + Math.random() * 0.4)) };
    return d;
  };
}

/**
 * FAULT (for cda-sim's own tests): an mTLS stack that trusts the chain alone. The listener asks for a
 * certificate without judging it ('want', policy off); this refuses none, an untrusted or an expired
 * one, and lets through one whose only flaw is its purpose (no clientAuth) or its key size.
 */
export function chainOnlyClientCerts(): RequestHandler {
  return (req, res, next) => {
    const socket = req.socket as TLSSocket;
    const error = socket.authorizationError ? String(socket.authorizationError) : undefined;
    const presented = !!socket.getPeerX509Certificate?.();
    if (presented && (socket.authorized || error === 'INVALID_PURPOSE')) return next();
    sendProblem(res, 403, [{ code: 'CLIENT_CERTIFICATE_REFUSED', detail: presented ? `the client certificate is not trusted: ${error}` : 'no client certificate' }]);
  };
}

/** Which faults are on. Asked at the single point where each fault applies. */
export class Faults {
  private readonly on: ReadonlySet<ProviderFault>;

  constructor(faults: readonly ProviderFault[] = []) {
    for (const f of faults) {
      if (!PROVIDER_FAULTS.includes(f)) throw new Error(`unknown provider fault "${f}"; known: ${PROVIDER_FAULTS.join(', ')}`);
    }
    this.on = new Set(faults);
  }

  has(fault: ProviderFault): boolean {
    return this.on.has(fault);
  }

  get any(): boolean {
    return this.on.size > 0;
  }

  list(): ProviderFault[] {
    return [...this.on];
  }
}
