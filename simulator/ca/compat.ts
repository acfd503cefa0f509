// `--compat maps-harness`: the C&A as MaPS's test harness shows itself, where that differs from
// cda-sim's default (test-phases §2.5–2.7, pdp-protocol §4, §6, §11.1), so a provider can check it
// behaves the same against both:
//
//   RPTs and permission tickets   a base64-encoded JSON wrapper {access_token: <token>, token_type:
//                                 pension_dashboard_rpt | pension_dashboard_pmt}; wrappers are
//                                 accepted back at /introspect and /token (plain tokens too)
//   missing bearer, unknown PAT   400 "PAT not found" (default: 401 with a problem)
//   missing X-Request-ID          400 "Missing 'x-request-id'"
//   PAT not the owner             401 "The resource is not associated with the PAT"
//   /rreguri validation errors    400 with a JSON array [{field, rejectedValue, reason}]
//   injected faults               the status alone, with no body (the harness's error scenarios)
//
// Plain messages go out as text/plain. Everything else answers as by default.
import { verifyBody } from '../http/body-guards.js';
import express, { type NextFunction, type Request, type Response } from 'express';
import { INJECTED } from './faults.js';

export const COMPAT_MODES = ['maps-harness'] as const;
export type CompatMode = (typeof COMPAT_MODES)[number];

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
  errors?: { code?: string; field?: string; detail?: string }[];
}

/** The harness's answer for one of cda-sim's error answers, or undefined to keep cda-sim's. */
function harnessError(req: Request, status: number, body: unknown): { status: number; text?: string; json?: unknown } | undefined {
  const p = (body ?? {}) as Problem & { error_description?: string };
  if (p.type === 'urn:cda-sim:problem:injected-fault' || p.error_description === INJECTED) return { status };
  const errors = p.errors ?? [];
  if (errors.some((e) => e.field === 'X-Request-ID' && !req.get('x-request-id'))) return { status: 400, text: "Missing 'x-request-id'" };
  if (errors.some((e) => e.code === 'MISSING_BEARER' || e.code === 'INVALID_AUTHORIZATION' || e.code === 'UNKNOWN_PAT')) return { status: 400, text: 'PAT not found' };
  if (errors.some((e) => e.code === 'NOT_OWNER')) return { status: 401, text: 'The resource is not associated with the PAT' };
  if (req.path.startsWith('/rreguri') && status === 400 && p.type === 'urn:cda-sim:problem:invalid-request') {
    const sent = (typeof req.body === 'object' && req.body ? req.body : {}) as Record<string, unknown>;
    return { status: 400, json: errors.map((e) => ({ field: e.field ?? '', rejectedValue: e.field ? (sent[e.field.replace(/\[.*$/, '')] ?? null) : null, reason: e.detail ?? '' })) };
  }
  return undefined;
}

const form = express.urlencoded({ extended: false, limit: '1mb', verify: verifyBody(false) });

/** Mounted before the spec router when the compatibility mode is on. */
export function harnessCompat() {
  return (req: Request, res: Response, next: NextFunction) => {
    const json = res.json.bind(res);
    res.json = ((body: unknown) => {
      if (res.statusCode >= 400) {
        const h = harnessError(req, res.statusCode, body);
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
      return form(req, res, (err?: unknown) => {
        if (err) return next(err);
        const body = req.body as Record<string, unknown>;
        const sent = { ...body };
        for (const k of ['token', 'ticket']) if (typeof body[k] === 'string') body[k] = unwrapToken(body[k] as string);
        // The journal records the body when the exchange closes: give it back what the caller sent.
        res.once('finish', () => Object.assign(body, sent));
        next();
      });
    }
    next();
  };
}
