// `--compat maps-harness`: the C&A as MaPS's test harness shows itself, where that differs from
// cda-sim's default (test-phases §2.5–2.7, pdp-protocol §4, §5, §11.1; the harness's exception
// handler: 400/404/409 answer a plain-text message, 401 a JSON {error}, validation a JSON array
// of JSON strings). Every difference is a row of scenarios/maps-harness.json, each pinned by a test:
//
//   RPTs and permission tickets   a base64-encoded JSON wrapper {access_token: <token>, token_type:
//                                 pension_dashboard_rpt | pension_dashboard_pmt}; wrappers are
//                                 accepted back at /introspect and /token
//   a bare RPT at /introspect     400 "Token is malformed and cannot be decoded"
//   missing bearer, unknown PAT   400 "PAT not found" (default: 401 with a problem)
//   missing X-Request-ID          400 "Missing 'x-request-id'"
//   a user token it does not hold 404 "User not found" (/token)
//   scope=owner on /token         501, no body
//   other 400 / 404 / 409         the message as text/plain; 401 as {"error": message}
//   /rreguri validation errors    400 with a JSON array of JSON strings {field, rejectedValue, reason}
//   injected faults               the status alone, no body; on /token a 400 is {"error":"invalid_grant"}
//
// Everything else answers as by default.
import { readBody } from '../http/request-body.js';
import type { ApiRequest as Request, ApiResponse as Response, Next as NextFunction } from '../http/lean-app.js';
import { INJECTED } from './faults.js';

import type { CompatMode } from './compat-modes.js';
export { COMPAT_MODES, type CompatMode } from './compat-modes.js';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');

export function wrapToken(token: string, tokenType: 'pension_dashboard_rpt' | 'pension_dashboard_pmt'): string {
  return b64({ access_token: token, token_type: tokenType });
}

/** The token inside a harness wrapper; anything that is not a wrapper comes back unchanged. */
export function unwrapToken(value: string): string {
  if (value.includes('.')) return value; // a JWT or JWE, not a wrapper
  try {
    const inner = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { access_token?: unknown };
    return typeof inner?.access_token === 'string' ? inner.access_token : value;
  } catch {
    return value;
  }
}

interface Problem {
  type?: string;
  title?: string;
  detail?: string;
  errors?: { code?: string; field?: string; detail?: string }[];
}

type HarnessAnswer = { status: number; text?: string; json?: unknown };

export const MALFORMED_TOKEN = 'Token is malformed and cannot be decoded';
const CDA_SIM_PROBLEM = 'urn:cda-sim:problem:';

/** An injected fault: the status alone, except the 400 on /token, which the harness sends as {"error": …}. */
function injectedAnswer(req: Request, res: Response, status: number): HarnessAnswer {
  if (req.path === '/token' && status === 400) return { status, json: { error: (res.locals.injectedRule as { code?: string } | undefined)?.code ?? 'invalid_grant' } };
  return { status };
}

/** /token answers that differ: the user token it does not hold, and scope=owner (not implemented there). */
function tokenAnswer(req: Request, res: Response, body: { error?: string }): HarnessAnswer | undefined {
  if (res.locals.assertionRejected === 'not-held') return { status: 404, text: 'User not found' };
  const scope = (req.body as Record<string, unknown> | undefined)?.scope ?? req.query.scope;
  if (body.error === 'invalid_scope' && scope === 'owner') return { status: 501 };
  return undefined;
}

/** The harness's validation body: each violation as a JSON string (its handler serialises them one by one). */
function validationStrings(req: Request, errors: NonNullable<Problem['errors']>): string[] {
  const sent = (typeof req.body === 'object' && req.body ? req.body : {}) as Record<string, unknown>;
  return errors.map((e) => JSON.stringify({ field: e.field ?? '', rejectedValue: e.field ? (sent[e.field.replace(/\[.*$/, '')] ?? null) : null, reason: e.detail ?? '' }));
}

/** The harness's answer for one of cda-sim's error answers, or undefined to keep cda-sim's. */
function harnessError(req: Request, res: Response, status: number, body: unknown): HarnessAnswer | undefined {
  const p = (body ?? {}) as Problem & { error?: string; error_description?: string };
  if (p.type === 'urn:cda-sim:problem:injected-fault' || p.error_description === INJECTED) return injectedAnswer(req, res, status);
  if (req.path === '/token') return tokenAnswer(req, res, p);
  const errors = p.errors ?? [];
  if (errors.some((e) => e.field === 'X-Request-ID' && !req.get('x-request-id'))) return { status: 400, text: "Missing 'x-request-id'" };
  if (errors.some((e) => e.code === 'MISSING_BEARER' || e.code === 'INVALID_AUTHORIZATION' || e.code === 'UNKNOWN_PAT')) return { status: 400, text: 'PAT not found' };
  if (errors.some((e) => e.code === 'NOT_OWNER')) return { status: 401, json: { error: 'The resource is not associated with the PAT' } };
  if (req.path.startsWith('/rreguri') && status === 400 && p.type === `${CDA_SIM_PROBLEM}invalid-request`) return { status: 400, json: validationStrings(req, errors) };
  if (!p.type?.startsWith(CDA_SIM_PROBLEM)) return undefined;
  const message = p.detail ?? p.title ?? '';
  if (status === 401) return { status, json: { error: message } };
  if (status === 400 || status === 404 || status === 409) return { status, text: message };
  return undefined;
}

/** Mounted before the spec router when the compatibility mode is on. */
export function harnessCompat() {
  return (req: Request, res: Response, next: NextFunction) => {
    const json = res.json.bind(res);
    res.json = ((body: unknown) => {
      if (res.statusCode >= 400) {
        const h = harnessError(req, res, res.statusCode, body);
        if (h) {
          res.status(h.status).removeHeader('Content-Type');
          if (h.json !== undefined) return json(h.json);
          return h.text === undefined ? res.end() : res.type('text/plain').send(h.text);
        }
        return json(body);
      }
      const b = body as { access_token?: unknown; token_type?: unknown; ticket?: unknown };
      if (req.path === '/token' && b?.token_type === 'pension_dashboard_rpt' && typeof b.access_token === 'string') return json({ ...b, access_token: wrapToken(b.access_token, 'pension_dashboard_rpt') });
      if (req.path === '/perm' && typeof b?.ticket === 'string') return json({ ...b, ticket: wrapToken(b.ticket, 'pension_dashboard_pmt') });
      return json(body);
    }) as Response['json'];
    // Wrapped tokens come back at /introspect (token) and /token (ticket): unwrap them before the
    // spec router reads the form (it skips a body already parsed).
    if (req.method === 'POST' && (req.path === '/introspect' || req.path === '/token') && req.is('application/x-www-form-urlencoded')) {
      // A body refused here is refused again, with the operation's own answer, by the pipeline.
      return void readBody(req).then(() => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const sent = { ...body };
        for (const k of ['token', 'ticket']) if (typeof body[k] === 'string') body[k] = unwrapToken(body[k] as string);
        if (req.path === '/introspect' && typeof sent.token === 'string') {
          // The harness base64-decodes what it is given: a bare JWT cannot be decoded.
          if (sent.token === body.token && req.get('x-request-id')) return res.status(400).type('text/plain').send(MALFORMED_TOKEN);
          res.locals.harnessWrapped = true;
        }
        // The journal records the body when the exchange closes: give it back what the caller sent.
        res.once('finish', () => Object.assign(body, sent));
        next();
      }, () => next());
    }
    next();
  };
}
