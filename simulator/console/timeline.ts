// The console's reading of the journal: for every exchange, which lanes of the sequence diagram
// it joins (PFS, provider, C&A, dashboard, reporting) and which test case caused it. Driver calls
// carry their test case in `tags`; a provider's call to the C&A carries nothing, so it is traced
// back to the find or view that caused it, by the same evidence the checks use (correlation.ts).
import type { JournalEntry } from '../store/journal.js';
import { at, bearerOf, bodyOf, endOf, responseOf, summarise, tokenParams, UMA_TICKET, within } from '../scenarios/correlation.js';
import type { ExchangeSummary, TestCaseResult } from '../scenarios/types.js';
import { entriesByTestCase } from '../runs/inspect.js';

export type Lane = 'pfs' | 'provider' | 'ca' | 'dashboard' | 'reporting' | 'other';

/** One arrow of the timeline: what the list and the diagram need, without headers or bodies. */
export interface TimelineEntry extends ExchangeSummary {
  seq: number;
  from: Lane;
  to: Lane;
  testCase?: string;
  scenario?: string;
  /** How the test case was found: a driver's tag, the test case running then (a finished run), or traced from the call that caused it. */
  attributedBy?: 'tag' | 'recorded' | 'cause';
  error?: string;
}

/** Who called whom. The C&A's inbound entries are the provider's calls, but for the dashboard's RPT exchange. */
export function lanesOf(e: JournalEntry): { from: Lane; to: Lane } {
  if (e.direction === 'out' && e.role === 'pfs') return { from: 'pfs', to: 'provider' };
  if (e.direction === 'out' && e.role === 'dashboard') return { from: 'dashboard', to: e.path === '/token' ? 'ca' : 'provider' };
  if (e.direction === 'in' && e.role === 'ca') return { from: tokenParams(e).grant_type === UMA_TICKET ? 'dashboard' : 'provider', to: 'ca' };
  if (e.direction === 'in' && e.role === 'reporting') return { from: 'provider', to: 'reporting' };
  return e.direction === 'out' ? { from: 'other', to: 'provider' } : { from: 'other', to: 'ca' };
}

function ticketOfChallenge(e: JournalEntry): string | undefined {
  const header = String(e.responseHeaders['www-authenticate'] ?? '');
  return /ticket\s*=\s*"([^"]*)"/i.exec(header)?.[1];
}

type Cause = { testCase?: string; scenario?: string };

/**
 * A finished run's own correlation: each exchange its drivers did not tag belongs to the test case
 * that was running when it started, as `cda-sim inspect` reads it. It needs no token to match, so
 * it holds over a bundle whose redacted tokens no longer tell one view from another.
 */
export function recordedAttribution(testCases: TestCaseResult[], entries: JournalEntry[]): (e: JournalEntry) => Cause | undefined {
  const scenarioOf = new Map(testCases.map((t) => [t.id, t.scenario]));
  const bySeq = new Map<number, Cause>();
  for (const [id, list] of entriesByTestCase(testCases, entries).byCase) for (const e of list) bySeq.set(e.seq, { testCase: id, scenario: scenarioOf.get(id) });
  return (e) => bySeq.get(e.seq);
}

/** Start time order (the journal's own order is the order exchanges finished): a view is drawn before the /perm it caused. */
function byStart(a: TimelineEntry, b: TimelineEntry): number {
  return a.time.localeCompare(b.time) || a.seq - b.seq;
}

/**
 * Token → the test case that sent it. A token two test cases sent (tickets or RPTs a redaction made
 * alike) proves nothing, so it answers nothing rather than the last one seen.
 */
class Evidence {
  private map = new Map<string, Cause | null>();

  claim(key: string, cause: Cause): void {
    const had = this.map.get(key);
    this.map.set(key, had === undefined || had?.testCase === cause.testCase ? cause : null);
  }

  of(key: string | undefined): Cause | undefined {
    return key ? (this.map.get(key) ?? undefined) : undefined;
  }
}

/**
 * The timeline of a journal, in the order exchanges started. The C&A's inbound copy of a call
 * cda-sim's own dashboard made (same X-Request-ID as an outbound entry) is left out: the diagram
 * draws that call once. A provider's call to the C&A goes to the test case its tokens trace it to;
 * failing that, to the one `recorded` names (a finished run's own correlation), then to a view it
 * happened during, or the find whose PAT it carried.
 */
export function buildTimeline(entries: JournalEntry[], recorded?: (e: JournalEntry) => Cause | undefined): TimelineEntry[] {
  const byFindId = new Evidence();
  const byUserToken = new Evidence();
  const byTicket = new Evidence();
  const byRpt = new Evidence();
  const byPat = new Map<string, Cause>();
  const views: { entry: JournalEntry; cause: Cause }[] = [];
  const outboundIds = new Set<string>();

  for (const e of entries) {
    if (e.direction !== 'out') continue;
    if (e.requestId) outboundIds.add(e.requestId);
    const testCase = e.tags?.testCase;
    if (!testCase) continue;
    const cause: Cause = { testCase, scenario: e.tags?.scenario };
    if (e.role === 'pfs') {
      if (e.requestId) byFindId.claim(e.requestId, cause);
      const token = bodyOf<{ user_token?: string }>(e).user_token;
      if (typeof token === 'string') byUserToken.claim(token, cause);
    } else if (e.role === 'dashboard' && e.path === '/token') {
      const ticket = tokenParams(e).ticket;
      if (ticket) byTicket.claim(ticket, cause);
      const rpt = responseOf<{ access_token?: string }>(e).access_token;
      if (rpt) byRpt.claim(rpt, cause);
    } else if (e.role === 'dashboard') {
      views.push({ entry: e, cause });
      const ticket = ticketOfChallenge(e);
      if (ticket) byTicket.claim(ticket, cause);
      const rpt = bearerOf(e);
      if (rpt) byRpt.claim(rpt, cause);
    }
  }

  /** What the call's own tokens and ids prove. */
  const tracedBy = (e: JournalEntry): Cause | undefined => {
    if (e.direction !== 'in' || e.role !== 'ca') return undefined;
    if (e.path === '/token') {
      const p = tokenParams(e);
      const cause = byUserToken.of(p.assertion) ?? byTicket.of(p.ticket);
      // A PAT is per user: later calls with it belong to the find that last obtained it.
      const pat = responseOf<{ access_token?: string }>(e).access_token;
      if (cause && pat) byPat.set(pat, cause);
      return cause;
    }
    if (e.path === '/rreguri' && e.method === 'POST') return byFindId.of(String(bodyOf(e).inbound_request_id));
    if (e.path === '/perm') return byTicket.of(responseOf<{ ticket?: string }>(e).ticket);
    if (e.path === '/introspect') return byRpt.of(tokenParams(e).token);
    return undefined;
  };

  /** Where the call happened: during a view (/perm and /introspect answer one), or with a find's PAT. */
  const nearby = (e: JournalEntry): Cause | undefined => {
    if (e.direction !== 'in' || e.role !== 'ca') return undefined;
    const during = views.find((v) => within(e, at(v.entry) - 5, endOf(v.entry) + 5));
    if (during) return during.cause;
    const bearer = bearerOf(e);
    return bearer ? byPat.get(bearer) : undefined;
  };

  const out: TimelineEntry[] = [];
  for (const e of entries) {
    if (e.direction === 'in' && e.role === 'ca' && e.requestId && outboundIds.has(e.requestId)) continue;
    const tagged = e.tags?.testCase ? { testCase: e.tags.testCase, scenario: e.tags.scenario } : undefined;
    const traced = tagged ? undefined : tracedBy(e);
    const fromRun = tagged || traced ? undefined : recorded?.(e);
    // Reporting submissions follow no single find or view: the reporting phase judges them all.
    const cause = tagged ?? traced ?? fromRun ?? nearby(e) ?? (e.role === 'reporting' ? { testCase: undefined, scenario: 'reporting' } : undefined);
    out.push({
      seq: e.seq,
      ...summarise(e),
      ...lanesOf(e),
      ...(cause?.testCase ? { testCase: cause.testCase, attributedBy: tagged ? 'tag' : fromRun ? 'recorded' : 'cause' } : {}),
      ...(cause?.scenario ? { scenario: cause.scenario } : {}),
      ...(e.error ? { error: e.error } : {}),
    } as TimelineEntry);
  }
  return out.sort(byStart);
}
