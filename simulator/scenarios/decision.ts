// The reason that decided a test case's verdict, in one line every report prints the same way: the
// deciding check's words, then the exchange that broke the rule (method, path, status, request id).
// Typed loosely on purpose: the reports read these back from results files of any version.

/** Enough of an exchange to name it: a recorded ExchangeSummary or a report's copy of one. */
export interface ExchangeLike {
  time: string;
  direction: string;
  method: string;
  path: string;
  status: number | string;
  requestId?: string;
}

interface Judged {
  verdict: string;
  reasons: string[];
  decision?: { check: string; reason: string; exchange?: ExchangeLike };
}

/** The decision of a result; results written before decisions were recorded fall back to their first reason. */
export function decisionOf(t: Judged): { check: string; reason: string; exchange?: ExchangeLike } {
  if (t.decision && typeof t.decision.reason === 'string') return t.decision;
  return { check: '', reason: t.reasons[0] ?? '' };
}

/** An exchange as a reader finds it again in the journal: method, path, status, X-Request-ID. */
export function exchangeLabel(e: Pick<ExchangeLike, 'method' | 'path' | 'status' | 'requestId'>): string {
  const status = e.status === '' || e.status === undefined || Number.isNaN(e.status) ? 'no answer' : String(e.status);
  return `${e.method} ${e.path} → ${status}, X-Request-ID ${e.requestId || 'none'}`;
}

/** Whether two summaries are the same exchange (the deciding one among a case's exchanges). */
export function sameExchange(a: ExchangeLike, b: ExchangeLike): boolean {
  return a.time === b.time && a.direction === b.direction && a.method === b.method && a.path === b.path && (a.requestId ?? '') === (b.requestId ?? '');
}

/**
 * One line: the deciding reason; for a failure, the exchange that broke the rule and how many other
 * violations there are (a pass's exchange adds nothing a reader needs in one line).
 */
export function decisionLine(t: Judged): string {
  const d = decisionOf(t);
  const failed = t.verdict === 'fail' || t.verdict === 'error';
  const more = t.verdict === 'fail' ? t.reasons.filter((r) => r !== d.reason).length : 0;
  return `${d.reason}${failed && d.exchange ? ` [${exchangeLabel(d.exchange)}]` : ''}${more ? ` (and ${more} more)` : ''}`;
}
