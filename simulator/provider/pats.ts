// One PAT per user (pdp-protocol §2.1, pitfall P7). The first find for a user exchanges the user
// token for a PAT at /token (flow step 4); later finds for the same user reuse it until it is
// close to expiry. Two finds for the same user at the same moment share one exchange.
import { decodeUnverified } from '../crypto/jose.js';
import type { CaClient } from './ca-client.js';
import type { ProviderStore } from './store.js';

export interface Pat {
  token: string;
  /** True when it came from the store rather than from a /token call made just now. */
  reused: boolean;
}

/** Renew a PAT this many seconds before it expires, rather than have a call fail with it. */
const RENEW_BEFORE_SECONDS = 60;

export class PatKeeper {
  private readonly pending = new Map<string, Promise<Pat | undefined>>();

  constructor(
    private readonly ca: CaClient,
    private readonly store: ProviderStore,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /** The user's PAT, from the store or from /token; undefined when none can be had. */
  get(sub: string, userToken: string, what: string): Promise<Pat | undefined> {
    const stored = this.store.pat(sub);
    const nowSeconds = Math.floor(this.now() / 1000);
    if (stored && (stored.exp === undefined || stored.exp - RENEW_BEFORE_SECONDS > nowSeconds)) {
      return Promise.resolve({ token: stored.token, reused: true });
    }
    return this.exchange(sub, userToken, what);
  }

  /** The C&A refused a stored PAT (revoked, or the C&A's state was reset): drop it and exchange again. */
  renew(sub: string, stale: string, userToken: string, what: string): Promise<Pat | undefined> {
    this.store.forgetPat(sub, stale);
    return this.exchange(sub, userToken, what);
  }

  private exchange(sub: string, userToken: string, what: string): Promise<Pat | undefined> {
    const inFlight = this.pending.get(sub);
    if (inFlight) return inFlight;
    const p = (async (): Promise<Pat | undefined> => {
      const out = await this.ca.exchangeUserToken(userToken, what);
      if (!out.pat) {
        this.log(`${what}: no PAT for user ${sub} (${out.why ?? 'unknown reason'}); nothing will be registered`);
        return undefined;
      }
      const exp = decodeUnverified(out.pat)?.payload.exp;
      this.store.putPat({ sub, token: out.pat, ...(typeof exp === 'number' ? { exp } : {}), obtainedAt: new Date(this.now()).toISOString() });
      return { token: out.pat, reused: false };
    })().finally(() => this.pending.delete(sub));
    this.pending.set(sub, p);
    return p;
  }
}
