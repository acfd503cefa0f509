// Correlation: which provider calls to the C&A were caused by which find or view.
// Everything is read from the journal: the C&A's inbound entries and the drivers' outbound ones.
import { decodeUnverified } from '../crypto/jose.js';
import type { JournalEntry } from '../store/journal.js';
import type { ExchangeSummary } from './types.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const UMA_TICKET = 'urn:ietf:params:oauth:grant-type:uma-ticket';

export const at = (e: JournalEntry): number => Date.parse(e.time);
export const endOf = (e: JournalEntry): number => at(e) + e.durationMs;

/** The C&A calls the provider (or anyone) made: inbound entries of the C&A. */
export function caCalls(entries: JournalEntry[]): JournalEntry[] {
  return entries.filter((e) => e.direction === 'in' && e.role === 'ca');
}

/** /token parameters, from the form body or the query string (both are accepted). */
export function tokenParams(e: JournalEntry): Record<string, string> {
  const query = Object.fromEntries(new URLSearchParams(e.url.split('?')[1] ?? ''));
  const body = typeof e.requestBody === 'object' && e.requestBody ? (e.requestBody as Record<string, string>) : {};
  return { ...query, ...body };
}

export function bearerOf(e: JournalEntry): string | undefined {
  return /^Bearer\s+(\S+)/i.exec(e.requestHeaders.authorization ?? '')?.[1];
}

export function bodyOf<T = Record<string, unknown>>(e: JournalEntry): T {
  return (typeof e.requestBody === 'object' && e.requestBody ? e.requestBody : {}) as T;
}

export function responseOf<T = Record<string, unknown>>(e: JournalEntry): T {
  return (typeof e.responseBody === 'object' && e.responseBody ? e.responseBody : {}) as T;
}

/** PAT exchanges: jwt-bearer /token calls, with the user (sub) their assertion names. */
export function patExchanges(entries: JournalEntry[]): { entry: JournalEntry; assertion: string; sub?: string; pat?: string }[] {
  return caCalls(entries)
    .filter((e) => e.path === '/token' && tokenParams(e).grant_type === JWT_BEARER)
    .map((e) => {
      const assertion = tokenParams(e).assertion ?? '';
      return { entry: e, assertion, sub: decodeUnverified(assertion)?.payload.sub as string | undefined, pat: responseOf<{ access_token?: string }>(e).access_token };
    });
}

/** Registrations (POST /rreguri) with their body, whatever their answer. */
export function registrations(entries: JournalEntry[]): JournalEntry[] {
  return caCalls(entries).filter((e) => e.method === 'POST' && e.path === '/rreguri');
}

export function within(e: JournalEntry, from: number, to: number): boolean {
  return at(e) >= from && at(e) <= to;
}

export function summarise(e: JournalEntry): ExchangeSummary {
  return { time: e.time, direction: e.direction, role: e.role, method: e.method, path: e.path, status: e.status, durationMs: Math.round(e.durationMs * 10) / 10, requestId: e.requestId };
}

export function describe(e: JournalEntry): string {
  return `${e.method} ${e.path} → ${e.status} (X-Request-ID ${e.requestId ?? 'none'}, ${e.time})`;
}
