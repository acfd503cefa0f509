// The catalogue of error answers, in one place (Prism's habit): every 4xx names the field and
// the rule broken. C&A endpoints other than /token answer RFC 9457 problem+json; /token answers
// the OAuth shape {error, error_description}.
import type { ApiResponse as Response } from './lean-app.js';

export interface Violation {
  /** Machine-readable rule code, e.g. MISSING_FIELD, INVALID_FORMAT. */
  code: string;
  /** The field, header or parameter at fault, e.g. "name", "X-Request-ID", "resource_scopes[1]". */
  field?: string;
  /** The rule in plain words. */
  detail: string;
}

interface ProblemKind {
  status: number;
  title: string;
}

export const PROBLEMS = {
  'invalid-request': { status: 400, title: 'The request breaks the API contract' },
  'malformed-json': { status: 400, title: 'The body is not valid JSON' },
  'invalid-transition': { status: 400, title: 'The change is not allowed from the PeI’s match status' },
  unauthorized: { status: 401, title: 'No usable protection API token (PAT)' },
  'not-owner': { status: 401, title: 'The resource is not associated with the PAT' },
  'token-required': { status: 401, title: 'A bearer token is required' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  'payload-too-large': { status: 413, title: 'The body is larger than 1 MiB' },
  'unsupported-media-type': { status: 415, title: 'Unsupported Content-Type' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'internal-error': { status: 500, title: 'Internal error' },
  'storage-unavailable': { status: 503, title: 'The change could not be written to disk' },
} satisfies Record<string, ProblemKind>;

export type ProblemName = keyof typeof PROBLEMS;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  request_id?: string;
  errors: Violation[];
}

export function problemBody(name: ProblemName, errors: Violation[], detail?: string, requestId?: string): ProblemBody {
  const kind = PROBLEMS[name];
  return {
    type: `urn:cda-sim:problem:${name}`,
    title: kind.title,
    status: kind.status,
    detail: detail ?? (errors.length ? errors.map((e) => (e.field ? `${e.field}: ${e.detail}` : e.detail)).join('; ') : undefined),
    ...(requestId ? { request_id: requestId } : {}),
    errors,
  };
}

export function sendProblem(res: Response, name: ProblemName, errors: Violation[], detail?: string): void {
  const requestId = res.req.get('x-request-id') ?? undefined;
  const body = problemBody(name, errors, detail, requestId);
  // res.json keeps a Content-Type already set; the journal picks the body up from res.json.
  res.status(body.status).type('application/problem+json').json(body);
}

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'unauthorised_client'
  | 'unsupported_grant_type'
  | 'invalid_client';

export function sendOAuthError(res: Response, status: number, error: OAuthErrorCode, description: string): void {
  res.status(status).set('Cache-Control', 'no-store').json({ error, error_description: description });
}

/** A thrown error that the pipeline turns into a problem answer. Handlers throw, the pipeline answers. */
export class HttpProblem extends Error {
  constructor(
    readonly problem: ProblemName,
    readonly errors: Violation[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => e.detail).join('; '));
  }
}

/** The OAuth counterpart of HttpProblem, for /token. */
export class OAuthProblem extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(description);
  }
}
