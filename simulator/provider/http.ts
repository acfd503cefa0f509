// Small HTTP helpers shared by the find and view endpoints: identifier formats and error answers.
// Error answers follow RFC 9457 (application/problem+json) with an errors[] list naming the field
// and the rule, the shape the CDA itself uses (DESIGN §3), so a refused caller can see why.
import type { Response } from 'express';

/** X-Request-ID is a UUID on every PDP call (pdp-protocol §3.1 and §4). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An asset GUID is 8-4-4-4-12 hex (pdp-protocol §5.2); the dashboard sends it without braces. */
const GUID = UUID;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

export interface ProblemItem {
  code: string;
  field?: string;
  detail: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorised',
  403: 'Forbidden',
  404: 'Not found',
  413: 'Payload too large',
  415: 'Unsupported media type',
  500: 'Internal error',
  503: 'Service unavailable',
};

/** Send an RFC 9457 problem. `errors` says what was wrong, one item per rule broken. */
export function sendProblem(res: Response, status: number, errors: ProblemItem[], headers: Record<string, string> = {}): void {
  const requestId = res.req.get('x-request-id');
  const body = {
    type: `urn:cda-sim:reference-provider:${errors[0]?.code.toLowerCase().replace(/_/g, '-') ?? 'error'}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail: errors.map((e) => (e.field ? `${e.field}: ${e.detail}` : e.detail)).join('; '),
    ...(requestId ? { request_id: requestId } : {}),
    errors,
  };
  res.status(status).set(headers).set('Cache-Control', 'no-store').type('application/problem+json').send(JSON.stringify(body));
}
