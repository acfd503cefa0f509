// A background fault mix for the soak (`--fault-mix 429=1%,503=0.5%`): about that share of the
// provider's calls to the C&A are answered with that status, through the one fault registry. After
// each call the provider makes, each status is drawn at its share; a draw arms a one-shot rule for a
// pool user on one of the endpoints the provider calls, so the next such call of that user gets it.
// A rule scoped to a user never hits the dashboard's own RPT exchange (it carries no user).
import { CliError, EXIT } from '../core/exit-codes.js';
import { FAULT_STATUSES, type CaFaultEndpoint, type FaultRegistry, type FaultStatus } from '../faults/registry.js';
import type { JournalEntry } from '../store/journal.js';

export interface FaultShare {
  status: FaultStatus;
  /** 0–1. */
  share: number;
}

const PROVIDER_ENDPOINTS: CaFaultEndpoint[] = ['token', 'rreguri-post', 'perm', 'introspect'];

export function parseFaultMix(text: string | undefined, option = '--fault-mix'): FaultShare[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((part) => {
    const m = /^\s*(\d{3})\s*=\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(part);
    const status = Number(m?.[1]) as FaultStatus;
    const share = Number(m?.[2]) / 100;
    if (!m) throw new CliError(`${option} "${part}": each part must be STATUS=SHARE%, such as 429=1% or 503=0.5%`, EXIT.usage);
    if (!FAULT_STATUSES.includes(status)) throw new CliError(`${option} "${part}": the status must be one the C&A declares: ${FAULT_STATUSES.join(', ')}`, EXIT.usage);
    if (!(share > 0 && share <= 1)) throw new CliError(`${option} "${part}": the share must be over 0% and at most 100%`, EXIT.usage);
    return { status, share };
  });
}

/** A call the dashboard made to the C&A (the RPT exchange), not the provider. */
export function isDashboardCall(e: JournalEntry): boolean {
  return e.path === '/token' && JSON.stringify(e.requestBody ?? '').includes('uma-ticket');
}

/** A call the provider made to the C&A: an inbound C&A entry that is not the dashboard's. */
export function isProviderCaCall(e: JournalEntry): boolean {
  return e.direction === 'in' && e.role === 'ca' && !isDashboardCall(e);
}

export class FaultMix {
  /** How many one-shot rules were armed, by status. */
  readonly armed = new Map<number, number>();

  constructor(
    private readonly mix: FaultShare[],
    private readonly registry: FaultRegistry,
    private readonly userSubs: string[],
    private readonly random: () => number = Math.random,
  ) {}

  /** After each provider call to the C&A: draw each status at its share. */
  afterProviderCall(): void {
    for (const { status, share } of this.mix) {
      if (this.random() >= share) continue;
      const endpoint = PROVIDER_ENDPOINTS[Math.floor(this.random() * PROVIDER_ENDPOINTS.length)];
      const user = this.userSubs[Math.floor(this.random() * this.userSubs.length)];
      // A short Retry-After keeps a 429 a blip, as a busy C&A would give.
      this.registry.add({ endpoint, status, count: 1, user, ...(status === 429 ? { retryAfterSeconds: 1 } : {}) });
      this.armed.set(status, (this.armed.get(status) ?? 0) + 1);
    }
  }
}
