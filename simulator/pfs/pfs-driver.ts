// cda-sim playing the pension finder service: builds, signs and sends find requests to the
// provider's find endpoint, and times the acknowledgement.
import type { Clock } from '../core/clock.js';
import type { Signer } from '../crypto/jose.js';
import { call, CallFailed, type CallResult, type TlsClientOptions } from '../http/client.js';
import type { Journal } from '../store/journal.js';
import type { TestUser } from '../testdata/users.js';
import { buildFindRequest, variantLabel, type FindRequest, type FindVariant } from './find-request.js';

export interface PfsDriverDeps {
  clock: Clock;
  journal: Journal;
  pfsSigner: Signer;
  rogueSigner: Signer;
  pfsIssuer: string;
  /** The C&A token endpoint: the user token's audience. */
  caTokenEndpoint: () => string;
  findUrl: string;
  tls?: TlsClientOptions;
  timeoutMs: number;
}

export interface SentFind {
  user: TestUser;
  request: FindRequest;
  /** Clock time the request was sent (ms). */
  sentAt: number;
  response?: CallResult;
  /** Connection-level failure (refused, TLS, timeout). */
  error?: { code: string; message: string };
  /** Time to the provider's answer, ms. */
  ackMs: number;
}

export class PfsDriver {
  constructor(readonly deps: PfsDriverDeps) {}

  async sendFind(user: TestUser, variant: FindVariant = 'valid', tags?: Record<string, string>): Promise<SentFind> {
    return this.send(user, await this.build(user, variant), tags);
  }

  /** A signed find request, not yet sent (driver faults send it late, twice, or broken). */
  build(user: TestUser, variant: FindVariant = 'valid'): Promise<FindRequest> {
    const d = this.deps;
    return buildFindRequest({
      user,
      clock: d.clock,
      pfsSigner: d.pfsSigner,
      rogueSigner: d.rogueSigner,
      pfsIssuer: d.pfsIssuer,
      caTokenEndpoint: d.caTokenEndpoint(),
      findUrl: d.findUrl,
      variant,
    });
  }

  async send(user: TestUser, request: FindRequest, tags?: Record<string, string>): Promise<SentFind> {
    const d = this.deps;
    const variant = variantLabel(request.variant);
    const sentAt = d.clock.now();
    try {
      const response = await call({
        method: 'POST',
        url: request.url,
        headers: request.headers,
        body: request.body,
        bodyValue: request.bodyValue,
        tls: d.tls,
        timeoutMs: d.timeoutMs,
        journal: d.journal,
        role: 'pfs',
        tags: { ...tags, user: user.id, variant },
        now: () => d.clock.now(),
      });
      return { user, request, sentAt, response, ackMs: response.durationMs };
    } catch (err) {
      const e = err as CallFailed;
      return { user, request, sentAt, error: { code: e.code ?? 'ERROR', message: e.message }, ackMs: e.durationMs ?? 0 };
    }
  }
}
