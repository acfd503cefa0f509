// cda-sim's reference provider: an honest implementation of the provider side of the Pensions
// Dashboards find → register → view flow (pdp-protocol §2), talking to the CDA only over HTTP(S).
// It lets a fresh checkout run the whole rehearsal with no provider of its own (DESIGN §2), and it
// is meant to be read: start with README.md in this folder.
//
// This file only wires the parts together and listens:
//   POST /find                         find.ts           (verify, 202, then match and register)
//   GET  /view-data/{assetGuid}        view.ts           (UMA challenge, introspection, signed data)
//   GET  /.well-known/jwks.json        the public key dashboards verify view data tokens with
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { systemClock, type Clock } from '../core/clock.js';
import { generateKeyPair, type Jwk, type KeyPair } from '../crypto/jose.js';
import { listenHttp, listenHttps, type Listener } from '../http/listeners.js';
import type { TestDataPack } from '../testdata/records.js';
import { Background } from './background.js';
import { CaClient, fetchJwks } from './ca-client.js';
import { CdaKeys } from './cda-keys.js';
import { bendRetry, chainOnlyClientCerts, Faults, type ProviderFault } from './faults.js';
import { findHandler } from './find.js';
import type { FindVerificationContext } from './find-verification.js';
import { sendProblem } from './http.js';
import { PatKeeper } from './pats.js';
import { RecordBook } from './records.js';
import { DEFAULT_RETRY } from './retry.js';
import { ProviderStore } from './store.js';
import { viewHandler } from './view.js';
import { buildDailyReports, ServedViewLedger, submitReports } from './reporting.js';
import { createViewTokenIssuer, DEFAULT_VIEW_KEY_KID } from './view-token.js';
import { applyUpdate, applyUpdateDocument, applyUpdateFile, type AppliedUpdate, type UpdateInstruction } from './updates.js';
import { adminEndpoints } from './admin-endpoints.js';

export type { ProviderFault } from './faults.js';
export { PROVIDER_FAULTS } from './faults.js';

export interface ReferenceProviderOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /**
   * HTTPS with mutual TLS (mtls default 'need': a caller without a client certificate issued by one
   * of `clientCa` is refused in the handshake; one that chains but lacks clientAuth or has a key
   * under RSA-2048 gets a 403), or null (or absent) for plain HTTP.
   */
  tls?: { cert: string; key: string; clientCa: string[]; mtls?: 'need' | 'want' | 'none' } | null;
  ca: {
    /** Where to call the C&A (http or https). */
    baseUrl: string;
    /** The C&A issuer: user tokens carry `${issuer}/token` as aud; sent as as_uri in the 401 challenge. */
    issuer: string;
    /** The C&A JWKS, to verify user tokens and find request tokens. */
    jwksUrl: string;
    /** Trust (ca) and client certificate (cert, key) for mTLS to the C&A. */
    tls?: { ca?: string; cert?: string; key?: string };
  };
  /** Expected iss of user tokens and find request tokens. */
  pfsIssuer: string;
  /** The pension records to load. */
  testData: TestDataPack;
  /** iss of view data tokens; default 'cda-sim-reference-provider'. */
  providerId?: string;
  /** Default: generated at start (kid 'reference-provider-view-key'). */
  signingKey?: KeyPair;
  /** Where PATs and registered PeIs are kept across restarts; in memory only when absent. */
  stateFile?: string;
  /** For /token and /rreguri; defaults 5 attempts, 500 ms base delay, 10 s maximum delay. */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Deliberate defects, ONLY for cda-sim's own tests (faults.ts). */
  faults?: ProviderFault[];
  log?: (line: string) => void;
  /** The base URL callers use, when it differs from the listener's (a proxy, another host name). Find request tokens must be addressed to `${publicUrl}/find`. */
  publicUrl?: string;
  /** Time source for token checks and view data token claims (default the system clock). */
  clock?: Clock;
  /**
   * Serve the test-support endpoints (admin-endpoints.ts: clear-down, apply-updates,
   * submit-reporting) for `cda-sim provider`; only over mutual TLS ('need').
   */
  adminEndpoints?: boolean;
}

export interface ReferenceProvider {
  /** `${base}/admin`, when the test-support endpoints are served (admin-endpoints.ts). */
  adminUrl?: string;
  /** `${base}/find` */
  findUrl: string;
  /** `${base}/view-data`; views are GET `${viewUrl}/{assetGuid}?scope=owner`. */
  viewUrl: string;
  /** `${base}/.well-known/jwks.json` */
  jwksUrl: string;
  publicJwks: { keys: Jwk[] };
  holdernameGuids: string[];
  /** Resolves when every find received so far has finished matching and registering. */
  idle(): Promise<void>;
  /** Apply one Stage 2 update instruction at the C&A (updates.ts). */
  applyUpdate(instruction: UpdateInstruction): Promise<{ ok: boolean; why?: string }>;
  /** Send the six daily reports for a UTC day (default today) to the CDA's reporting service. */
  submitDailyReporting(day?: string): Promise<{ endpoint: string; status: number; attempts: number }[]>;
  /** Act on a Stage 2 update file (JSON): PATCH or DELETE each PeI it names (updates.ts). */
  applyUpdates(file: string): Promise<AppliedUpdate[]>;
  close(): Promise<void>;
}

export const DEFAULT_PROVIDER_ID = 'cda-sim-reference-provider';

export async function startReferenceProvider(opts: ReferenceProviderOptions): Promise<ReferenceProvider> {
  const log = opts.log ?? (() => {});
  const clock = opts.clock ?? systemClock;
  const now = () => clock.now();
  const faults = new Faults(opts.faults);
  if (faults.any) log(`DELIBERATE FAULTS ON (for cda-sim's own tests): ${faults.list().join(', ')}`);

  const records = new RecordBook(opts.testData);
  const store = ProviderStore.open(opts.stateFile);
  const background = new Background(log);
  const caIssuer = opts.ca.issuer.replace(/\/$/, '');
  const caTls = opts.ca.tls ? { ca: opts.ca.tls.ca, cert: opts.ca.tls.cert, key: opts.ca.tls.key } : undefined;

  const ca = new CaClient({
    baseUrl: opts.ca.baseUrl,
    // FAULT (for cda-sim's own tests): one X-Request-ID for every call.
    reusedRequestId: faults.has('reuse-request-id') ? randomUUID() : undefined,
    tls: caTls,
    retry: { ...DEFAULT_RETRY, ...opts.retry },
    env: { sleep: background.sleep, random: Math.random, now, log, bend: bendRetry(faults) },
  });
  const pats = new PatKeeper(ca, store, now, log);
  const issuer = await createViewTokenIssuer({
    key: opts.signingKey ?? (await generateKeyPair(DEFAULT_VIEW_KEY_KID, 'sig')),
    providerId: opts.providerId ?? DEFAULT_PROVIDER_ID,
    audience: `${caIssuer}/token`,
    now,
    faults,
  });

  // The find URL is known only once the listener has a port: handlers read it from here.
  const verification: FindVerificationContext = {
    keys: new CdaKeys(() => fetchJwks(opts.ca.jwksUrl, caTls), now),
    now,
    pfsIssuer: opts.pfsIssuer,
    userTokenAudience: `${caIssuer}/token`,
    findUrl: '',
  };

  const app = express();
  app.disable('x-powered-by');
  // FAULT (for cda-sim's own tests): trust the chain alone, not the certificate's purpose or key size.
  const weakCertsFault = !!opts.tls && faults.has('accept-weak-client-certs');
  if (weakCertsFault) app.use(chainOnlyClientCerts());
  // The body is read as text and parsed by the find handler, so a malformed body gets a 400 that says so.
  app.post('/find', express.text({ type: () => true, limit: '1mb' }), findHandler({ verification, records, background, faults, log, registration: { ca, pats, store, faults, now, log } }));
  const ledger = new ServedViewLedger(records, store, now, faults);
  app.get('/view-data/:assetGuid', ledger.middleware(), viewHandler({ ca, store, records, issuer, faults, asUri: caIssuer, now, log }));
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(issuer.publicJwks);
  });
  const reportDay = (day?: string) => day ?? new Date(now()).toISOString().slice(0, 10);
  const submitDailyReporting = (day?: string) =>
    submitReports(buildDailyReports(reportDay(day), records.holdernameGuids, ledger, records), { baseUrl: opts.ca.baseUrl, tls: caTls, log, sleep: background.sleep });
  const withAdmin = !!opts.adminEndpoints && !!opts.tls && (opts.tls.mtls ?? 'need') === 'need';
  if (withAdmin) {
    app.use(
      adminEndpoints({
        clearDown: () => {
          store.clear();
          ledger.views.length = 0;
        },
        applyUpdates: (doc) => applyUpdateDocument({ ca, store, faults, log }, doc, 'update file (POST /admin/apply-updates)'),
        submitReporting: submitDailyReporting,
        log,
      }),
    );
  }
  app.use((req, res) => {
    sendProblem(res, 404, [{ code: 'NO_SUCH_ENDPOINT', detail: `${req.method} ${req.path} is not an endpoint of this provider (POST /find, GET /view-data/{assetGuid}?scope=owner, GET /.well-known/jwks.json)` }]);
  });
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return sendProblem(res, 413, [{ code: 'BODY_TOO_LARGE', field: 'body', detail: 'the body is larger than 1 MiB' }]);
    if (err.status && err.status >= 400 && err.status < 500) return sendProblem(res, err.status, [{ code: 'BAD_REQUEST', detail: err.message }]);
    log(`internal error: ${err.stack ?? err.message}`);
    sendProblem(res, 500, [{ code: 'INTERNAL_ERROR', detail: 'the provider failed to handle the request' }]);
  });

  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  const listener: Listener = opts.tls
    ? await listenHttps(app, {
        host,
        port,
        // FAULT (for cda-sim's own tests): ask for a client certificate but accept any.
        mtls: faults.has('accept-foreign-client-cert') || weakCertsFault ? 'want' : (opts.tls.mtls ?? 'need'),
        clientCertPolicy: weakCertsFault ? 'off' : 'enforce',
        tls: { serverCert: opts.tls.cert, serverKey: opts.tls.key, clientCa: opts.tls.clientCa },
        what: 'the reference provider',
      })
    : await listenHttp(app, { host, port, what: 'the reference provider' });

  const base = (opts.publicUrl ?? listener.url).replace(/\/$/, '');
  verification.findUrl = `${base}/find`;
  log(`listening on ${listener.url}${opts.tls ? ` (mTLS ${opts.tls.mtls ?? 'need'})` : ' (plain HTTP)'}; ${records.records.length} record(s); C&A at ${opts.ca.baseUrl}`);

  let closed = false;
  return {
    ...(withAdmin ? { adminUrl: `${base}/admin` } : {}),
    findUrl: `${base}/find`,
    viewUrl: `${base}/view-data`,
    jwksUrl: `${base}/.well-known/jwks.json`,
    publicJwks: issuer.publicJwks,
    holdernameGuids: records.holdernameGuids,
    idle: () => background.idle(),
    applyUpdate: (instruction) => applyUpdate({ ca, store, log, faults }, instruction),
    // Reports go to the CDA, where the C&A is (the reporting endpoints sit beside it).
    submitDailyReporting,
    applyUpdates: (file) => applyUpdateFile({ ca, store, faults, log }, file),
    close: async () => {
      if (closed) return;
      closed = true;
      await listener.close();
      await background.stop();
    },
  };
}
