// Correlation: which provider calls to the C&A were caused by which find or view.
// Everything is read from the journal: the C&A's inbound entries and the drivers' outbound ones.
import { decodeUnverified } from '../crypto/jose.js';
import type { JournalEntry } from '../store/journal.js';
import type { ExchangeSummary } from './types.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const UMA_TICKET = 'urn:ietf:params:oauth:grant-type:uma-ticket';

export const at = (e: JournalEntry): number => Date.parse(e.time);
export const endOf = (e: JournalEntry): number => at(e) + e.durationMs;

/** A call the provider (or anyone) made to the C&A: an inbound entry of the C&A. */
const isCaCall = (e: JournalEntry): boolean => e.direction === 'in' && e.role === 'ca';

/** The C&A calls the provider (or anyone) made. */
export function caCalls(entries: JournalEntry[]): JournalEntry[] {
  return entries.filter(isCaCall);
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

/**
 * Whose C&A calls: for each call, the user (sub) whose credential it presents: on /token the
 * assertion's subject (PAT) or the ticket's owner (RPT); elsewhere the owner of the bearer PAT. Built
 * up as the journal grows, so a wait that asks many times reads each entry once.
 */
interface CallOwners {
  seen: number;
  /** PATs, permission tickets and RPTs, each with the user it was issued for. */
  credentials: Map<string, string>;
  /** When each user's last call ended, the last call nobody's credential explains, and the last of all. */
  lastEnd: Map<string, number>;
  lastUnowned: number;
  lastAny: number;
  byEntry: WeakMap<JournalEntry, string>;
}
const owners = new WeakMap<JournalEntry[], CallOwners>();

function ownerOf(e: JournalEntry, credentials: Map<string, string>): string | undefined {
  if (e.path === '/token') {
    const p = tokenParams(e);
    const sub = p.grant_type === JWT_BEARER ? (decodeUnverified(p.assertion ?? '')?.payload.sub as string | undefined) : p.grant_type === UMA_TICKET ? credentials.get(p.ticket ?? '') : undefined;
    const issued = responseOf<{ access_token?: unknown }>(e).access_token;
    if (sub && typeof issued === 'string') credentials.set(issued, sub);
    return sub;
  }
  const sub = credentials.get(bearerOf(e) ?? '');
  const ticket = responseOf<{ ticket?: unknown }>(e).ticket;
  if (sub && e.path === '/perm' && typeof ticket === 'string') credentials.set(ticket, sub);
  return sub;
}

function callOwners(entries: JournalEntry[]): CallOwners {
  let o = owners.get(entries);
  if (!o) owners.set(entries, (o = { seen: 0, credentials: new Map(), lastEnd: new Map(), lastUnowned: -Infinity, lastAny: -Infinity, byEntry: new WeakMap() }));
  for (; o.seen < entries.length; o.seen++) {
    const e = entries[o.seen];
    if (!isCaCall(e)) continue;
    const sub = ownerOf(e, o.credentials);
    o.lastAny = Math.max(o.lastAny, endOf(e));
    if (sub) {
      o.byEntry.set(e, sub);
      o.lastEnd.set(sub, Math.max(o.lastEnd.get(sub) ?? -Infinity, endOf(e)));
    } else o.lastUnowned = Math.max(o.lastUnowned, endOf(e));
  }
  return o;
}

/**
 * When the C&A last answered a call made for one of these users, or one it cannot attribute to
 * anyone (counted for everyone, so a wait never ends early on a call it cannot place).
 */
export function lastCaCallFor(entries: JournalEntry[], subs: Iterable<string>): number {
  const o = callOwners(entries);
  let last = o.lastUnowned;
  for (const sub of subs) last = Math.max(last, o.lastEnd.get(sub) ?? -Infinity);
  return last;
}

/** When the C&A last answered anyone's call (-Infinity before the first). */
export function lastCaCallEnd(entries: JournalEntry[]): number {
  return callOwners(entries).lastAny;
}

/** When the C&A last answered a call made for this user (not counting calls nobody can be placed with). */
export function lastCaCallOf(entries: JournalEntry[], sub: string): number {
  return callOwners(entries).lastEnd.get(sub) ?? -Infinity;
}

/** The user (sub) a C&A call was made for, if its credential tells (undefined: nobody's that cda-sim can tell). */
export function callOwner(entries: JournalEntry[], e: JournalEntry): string | undefined {
  return callOwners(entries).byEntry.get(e);
}
