// One exchange of the journal, as every reader and writer sees it (journal.ts writes them,
// journal-segments.ts reads them back): its own file so neither has to import the other for it.

export interface JournalEntry {
  seq: number;
  time: string;
  direction: 'in' | 'out';
  /** Which cda-sim role took part: 'ca', 'admin', 'pfs', 'dashboard', 'reporting', … */
  role: string;
  method: string;
  url: string;
  path: string;
  requestId?: string;
  requestHeaders: Record<string, string>;
  requestBody?: unknown;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody?: unknown;
  durationMs: number;
  /** Subject of the TLS client certificate, when one was presented; `refused` says why the listener refused it (client-cert-policy.ts). */
  clientCert?: { subject: string; issuer: string; authorized: boolean; error?: string; refused?: string };
  /** Which operation of the OpenAPI document served it, when routed. */
  operationId?: string;
  /** Without --strict: the own rules (http/own-rules.ts) the request broke, accepted as warnings. */
  ownRuleWarnings?: { code: string; field?: string; detail: string }[];
  /** A test case or run id, where a driver knows it. */
  tags?: Record<string, string>;
  error?: string;
  /** Present when the request body was over BODY_LIMIT_BYTES: requestBody holds its first bytes as text. */
  requestBodyClipped?: ClippedBody;
  responseBodyClipped?: ClippedBody;
}

/** What a cut body was: its size and digest, over its text (a parsed JSON body: its JSON). */
export interface ClippedBody {
  bytes: number;
  sha256: string;
  /** How many of its bytes the entry keeps. */
  kept: number;
}

export type NewJournalEntry = Omit<JournalEntry, 'seq' | 'time'> & { time?: string };

export interface JournalFilter {
  requestId?: string;
  path?: string;
  status?: number;
  direction?: 'in' | 'out';
  role?: string;
  limit?: number;
}
