// The console's reading of the journal: for every exchange, which lanes of the sequence diagram
// it joins (PFS, provider, C&A, dashboard, reporting) and which test case caused it. Driver calls
// carry their test case in `tags`; a provider's call to the C&A carries nothing, so it is traced
// back to the find or view that caused it, by the same evidence the checks use (correlation.ts).
import type { JournalEntry } from '../store/journal.js';
import { at, bearerOf, bodyOf, endOf, responseOf, summarise, tokenParams, UMA_TICKET, within } from '../scenarios/correlation.js';
import type { ExchangeSummary } from '../scenarios/types.js';

export type Lane = 'pfs' | 'provider' | 'ca' | 'dashboard' | 'reporting' | 'other';

/** One arrow of the timeline: what the list and the diagram need, without headers or bodies. */
export interface TimelineEntry extends ExchangeSummary {
  seq: number;
  from: Lane;
  to: Lane;
  testCase?: string;
  scenario?: string;
  /** How the test case was found: a driver's tag, or traced from the call that caused it. */
  attributedBy?: 'tag' | 'cause';
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

/**
 * The timeline of a journal, oldest first. The C&A's inbound copy of a call cda-sim's own dashboard
 * made (same X-Request-ID as an outbound entry) is left out: the diagram draws that call once.
 */
export function buildTimeline(entries: JournalEntry[]): TimelineEntry[] {
  type Cause = { testCase?: string; scenario?: string };
  const byFindId = new Map<string, Cause>();
  const byUserToken = new Map<string, Cause>();
  const byTicket = new Map<string, Cause>();
  const byRpt = new Map<string, Cause>();
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
      if (e.requestId) byFindId.set(e.requestId, cause);
      const token = bodyOf<{ user_token?: string }>(e).user_token;
      if (typeof token === 'string') byUserToken.set(token, cause);
    } else if (e.role === 'dashboard' && e.path === '/token') {
      const ticket = tokenParams(e).ticket;
      if (ticket) byTicket.set(ticket, cause);
      const rpt = responseOf<{ access_token?: string }>(e).access_token;
      if (rpt) byRpt.set(rpt, cause);
    } else if (e.role === 'dashboard') {
      views.push({ entry: e, cause });
      const ticket = ticketOfChallenge(e);
      if (ticket) byTicket.set(ticket, cause);
      const rpt = bearerOf(e);
      if (rpt) byRpt.set(rpt, cause);
    }
  }

  const causeOf = (e: JournalEntry): Cause | undefined => {
    if (e.direction !== 'in' || e.role !== 'ca') return undefined;
    if (e.path === '/token') {
      const p = tokenParams(e);
      const cause = (p.assertion && byUserToken.get(p.assertion)) || (p.ticket && byTicket.get(p.ticket)) || undefined;
      // A PAT is per user: later calls with it belong to the find that last obtained it.
      const pat = responseOf<{ access_token?: string }>(e).access_token;
      if (cause && pat) byPat.set(pat, cause);
      return cause;
    }
    if (e.path === '/rreguri' && e.method === 'POST') {
      const found = byFindId.get(String(bodyOf(e).inbound_request_id));
      if (found) return found;
    }
    if (e.path === '/perm') {
      const ticket = responseOf<{ ticket?: string }>(e).ticket;
      if (ticket && byTicket.get(ticket)) return byTicket.get(ticket);
    }
    if (e.path === '/introspect') {
      const rpt = tokenParams(e).token;
      if (rpt && byRpt.get(rpt)) return byRpt.get(rpt);
    }
    // /perm and /introspect happen while the provider answers a view.
    const during = views.find((v) => within(e, at(v.entry) - 5, endOf(v.entry) + 5));
    if (during) return during.cause;
    const bearer = bearerOf(e);
    return bearer ? byPat.get(bearer) : undefined;
  };

  const out: TimelineEntry[] = [];
  for (const e of entries) {
    if (e.direction === 'in' && e.role === 'ca' && e.requestId && outboundIds.has(e.requestId)) continue;
    const tagged = e.tags?.testCase ? { testCase: e.tags.testCase, scenario: e.tags.scenario } : undefined;
    // Reporting submissions follow no single find or view: the reporting phase judges them all.
    const cause = tagged ?? causeOf(e) ?? (e.role === 'reporting' ? { testCase: undefined, scenario: 'reporting' } : undefined);
    out.push({
      seq: e.seq,
      ...summarise(e),
      ...lanesOf(e),
      ...(cause?.testCase ? { testCase: cause.testCase, attributedBy: tagged ? 'tag' : 'cause' } : {}),
      ...(cause?.scenario ? { scenario: cause.scenario } : {}),
      ...(e.error ? { error: e.error } : {}),
    } as TimelineEntry);
  }
  return out;
}
