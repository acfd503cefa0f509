// cda-sim playing a dashboard: the whole UMA view dance against the provider's view endpoint.
//   1. GET {viewUrl}/{assetGuid}?scope=owner with no token → expect 401 + UMA challenge with a ticket
//      (no Authorization header by default; a real dashboard may also send "Bearer" with no token,
//      as MaPS's does, or another scheme: FIRST_LEGS)
//   2. exchange the ticket for an RPT at cda-sim's own /token (over HTTP, so the C&A journals it)
//   3. GET again with Authorization: Bearer <RPT> → expect 200 {view_data_token}
//   4. verify the token's signature against the provider's key and decode view_data
// The driver records what happened; judging it is the checks' job.
import { randomUUID } from 'node:crypto';
import { epochSeconds, type Clock } from '../core/clock.js';
import { decodeUnverified, type Signer, type Verifier } from '../crypto/jose.js';
import { call, CallFailed, type CallResult, type TlsClientOptions } from '../http/client.js';
import type { Journal } from '../store/journal.js';

export interface DashboardDeps {
  clock: Clock;
  journal: Journal;
  /** cda-sim's own token endpoint, reached over the network so the exchange is journalled. */
  caTokenUrl: () => string;
  /** TLS to that endpoint when it is HTTPS (cda-sim's CA, and its own client certificate for mTLS). */
  caTls?: TlsClientOptions;
  /** The audience of RQPs: the C&A token endpoint as the C&A names itself. */
  rqpAudience: () => string;
  rqpSigner: Signer;
  dashboardIssuer: string;
  viewTokenVerifier: () => Promise<Verifier>;
  tls?: TlsClientOptions;
  timeoutMs: number;
  /** The status that carries view data, as the spec profile defines it (default 200). */
  okStatus?: number;
}

/** The Authorization header a first view leg carries: none, "Bearer" with no token, or another scheme. */
export const FIRST_LEGS = {
  'no-header': undefined,
  'empty-bearer': 'Bearer',
  'other-scheme': `Basic ${Buffer.from('dashboard:no-rpt-yet').toString('base64')}`,
} as const satisfies Record<string, string | undefined>;
export type FirstLeg = keyof typeof FIRST_LEGS;

/** In plain words, for reasons. */
export function describeFirstLeg(leg: FirstLeg): string {
  const header = FIRST_LEGS[leg];
  return header === undefined ? 'no Authorization header' : leg === 'empty-bearer' ? '"Authorization: Bearer" with no token' : `"Authorization: ${header.split(' ')[0]} …" (not Bearer)`;
}

export interface UmaChallenge {
  raw: string;
  umaScheme: boolean;
  realm?: string;
  asUri?: string;
  ticket?: string;
}

export interface ViewOutcome {
  assetGuid: string;
  url: string;
  /** What the first leg's Authorization header was (the full dance only). */
  firstLeg: FirstLeg;
  first?: CallResult;
  challenge?: UmaChallenge;
  rptResponse?: CallResult;
  rpt?: string;
  second?: CallResult;
  /** The final answer (second call, or the only call when an RPT was given). */
  final?: CallResult;
  viewDataToken?: string;
  tokenHeader?: Record<string, unknown>;
  tokenClaims?: Record<string, unknown>;
  signatureError?: string;
  viewData?: unknown;
  errors: string[];
  /** X-Request-IDs of the view calls, for correlation. */
  requestIds: string[];
  startedAt: number;
  finishedAt: number;
}

/** Parse `UMA realm="…", as_uri="…", ticket="…"` (the UMA word is optional, as MaPS sends it without). */
export function parseUmaChallenge(header: string | undefined): UmaChallenge | undefined {
  if (!header) return undefined;
  const umaScheme = /^\s*UMA\s/i.test(header);
  const param = (name: string) => new RegExp(`${name}\\s*=\\s*"([^"]*)"`, 'i').exec(header)?.[1];
  return { raw: header, umaScheme, realm: param('realm'), asUri: param('as_uri'), ticket: param('ticket') };
}

export class DashboardDriver {
  constructor(private deps: DashboardDeps) {}

  private async rqp(): Promise<string> {
    const iat = epochSeconds(this.deps.clock);
    return this.deps.rqpSigner.sign({
      iss: this.deps.dashboardIssuer,
      sub: `${randomUUID()}@${this.deps.dashboardIssuer}`,
      aud: this.deps.rqpAudience(),
      iat,
      exp: iat + 60,
      jti: randomUUID(),
      role: 'owner',
    });
  }

  /** Exchange a ticket for an RPT at cda-sim's C&A. */
  async exchangeTicket(ticket: string, tags?: Record<string, string>): Promise<CallResult> {
    return call({
      method: 'POST',
      url: this.deps.caTokenUrl(),
      tls: this.deps.caTls,
      headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:uma-ticket',
        ticket,
        claim_token: await this.rqp(),
        claim_token_format: 'pension_dashboard_rqp',
        scope: 'owner',
      }).toString(),
      journal: this.deps.journal,
      role: 'dashboard',
      tags,
      timeoutMs: this.deps.timeoutMs,
      now: () => this.deps.clock.now(),
    });
  }

  private async get(url: string, authorization: string | undefined, out: ViewOutcome, tags?: Record<string, string>): Promise<CallResult | undefined> {
    const requestId = randomUUID();
    out.requestIds.push(requestId);
    try {
      return await call({
        method: 'GET',
        url,
        headers: { 'X-Request-ID': requestId, Accept: 'application/json', ...(authorization !== undefined ? { Authorization: authorization } : {}) },
        tls: this.deps.tls,
        journal: this.deps.journal,
        role: 'dashboard',
        tags,
        timeoutMs: this.deps.timeoutMs,
        now: () => this.deps.clock.now(),
      });
    } catch (err) {
      out.errors.push((err as CallFailed).message);
      return undefined;
    }
  }

  /**
   * The full dance (its first leg as `firstLeg` says), or with `rpt` given, one call presenting
   * that RPT (for negative cases such as an RPT issued for another PeI).
   */
  async view(viewUrl: string, assetGuid: string, opts: { rpt?: string; firstLeg?: FirstLeg; tags?: Record<string, string> } = {}): Promise<ViewOutcome> {
    const url = `${viewUrl.replace(/\/$/, '')}/${encodeURIComponent(assetGuid)}?scope=owner`;
    const firstLeg = opts.firstLeg ?? 'no-header';
    const out: ViewOutcome = { assetGuid, url, firstLeg, errors: [], requestIds: [], startedAt: this.deps.clock.now(), finishedAt: 0 };
    if (opts.rpt) {
      out.rpt = opts.rpt;
      out.final = out.second = await this.get(url, `Bearer ${opts.rpt}`, out, opts.tags);
    } else {
      out.first = await this.get(url, FIRST_LEGS[firstLeg], out, opts.tags);
      out.final = out.first;
      if (out.first?.status === 401) {
        out.challenge = parseUmaChallenge(out.first.headers['www-authenticate']);
        if (out.challenge?.ticket) {
          try {
            out.rptResponse = await this.exchangeTicket(out.challenge.ticket, opts.tags);
            const token = (out.rptResponse.json as { access_token?: string } | undefined)?.access_token;
            if (out.rptResponse.status === 200 && token) {
              out.rpt = token;
              out.final = out.second = await this.get(url, `Bearer ${token}`, out, opts.tags);
            }
          } catch (err) {
            out.errors.push((err as CallFailed).message);
          }
        }
      }
    }
    await this.readViewData(out);
    out.finishedAt = this.deps.clock.now();
    return out;
  }

  private async readViewData(out: ViewOutcome): Promise<void> {
    const body = out.final?.json as { view_data_token?: unknown } | undefined;
    if (out.final?.status !== (this.deps.okStatus ?? 200) || typeof body?.view_data_token !== 'string') return;
    out.viewDataToken = body.view_data_token;
    const decoded = decodeUnverified(out.viewDataToken);
    out.tokenHeader = decoded?.header;
    out.tokenClaims = decoded?.payload;
    try {
      const verified = await (await this.deps.viewTokenVerifier()).verify(out.viewDataToken);
      out.tokenHeader = verified.header;
      out.tokenClaims = verified.payload;
    } catch (err) {
      out.signatureError = (err as Error).message;
    }
    out.viewData = out.tokenClaims?.view_data;
  }
}
