// The CDA-hosted reporting service: the six reporting endpoints and the harness's error-injection
// endpoint (reporting-api.md). `createReportingApp` builds the express app and never listens.
// Order per call (§8): 413 on size before parsing → 415 on content type → one 400 listing every
// violation (X-Request-ID, then the body rules in the harness's order, then anything else the
// OpenAPI document rejects) → an injected answer, if one is due → stored on disk → 202.
import { checkCharset, checkRawBody } from '../http/body-guards.js';
import { createLeanApp, type ApiRequest as Request, type ApiResponse as Response, type LeanApp, type Next as NextFunction } from '../http/lean-app.js';
import { readRawBody } from '../http/request-body.js';
import { HttpProblem } from '../http/problems.js';
import path from 'node:path';
import type { OpenAPIBackend, Operation } from 'openapi-backend';
import type { ErrorObject } from 'ajv';
import type { Clock } from '../core/clock.js';
import { openapiDir } from '../core/paths.js';
import { loadApi } from '../http/spec-app.js';
import { journalExchanges } from '../http/journal-middleware.js';
import { withOwnRuleNotes, withoutOwnRules } from '../http/own-rules.js';
import type { Journal } from '../store/journal.js';
import { titleCase } from '../faults/problem-title.js';
import { harnessViolations } from './harness-compat.js';
import { FaultRegistry, isError, isSlow, OAUTH_ERROR_CODES, PROBLEM_DEFAULT } from '../faults/registry.js';
import { configurationRules, validateConfiguration } from '../faults/configuration.js';
import { validateSubmission } from './rules.js';
import type { SubmissionStore } from './submissions.js';
import { REPORTING_ENDPOINTS, UNAVAILABLE_COUNTERS, type ReportingEndpoint, type RuleViolation } from '../wire/reporting-api.js';

export interface ReportingDeps {
  clock: Clock;
  journal: Journal;
  submissions: SubmissionStore;
  /** A loaded OpenAPI document; by default openapi/reporting.yaml. */
  api?: OpenAPIBackend;
  /** The simulator's one fault registry (shared with the C&A); a private one by default. */
  faults?: FaultRegistry;
  /** Judge submissions as MaPS's harness does where it differs (harness-compat.ts). */
  compat?: 'maps-harness';
  /** Enforce cda-sim's own rules as errors (the default); false accepts them with a warning. */
  strict?: boolean;
}

export const REPORTING_SPEC = path.join(openapiDir, 'reporting.yaml');
export const CONFIGURATION_PATH = '/configuration';
/** Seconds a client is told to wait after an injected 429 (it should back off exponentially beyond that). */
export const RETRY_AFTER_SECONDS = 1;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

interface Route {
  op: Operation;
  endpoint?: ReportingEndpoint;
  validators: ((data: unknown) => boolean)[];
}

/** The header check, shared by all six endpoints. */
export function checkRequestId(value: string | undefined): RuleViolation[] {
  if (value === undefined || value === '') return [{ code: 'INVALID_X_REQUEST_ID', field: 'X-Request-ID', detail: 'is required: a UUID identifying this call' }];
  if (!UUID.test(value)) return [{ code: 'INVALID_X_REQUEST_ID', field: 'X-Request-ID', detail: `must be a UUID, not ${JSON.stringify(value.slice(0, 80))}` }];
  return [];
}

/**
 * What the document rejects beyond the rules module (only reached when the rules found nothing,
 * e.g. with a stricter document passed in): each ajv error as INVALID_<FIELD>.
 */
function documentViolations(errors: ErrorObject[]): RuleViolation[] {
  const out = new Map<string, RuleViolation>();
  for (const e of errors) {
    if (e.keyword === 'oneOf' || e.keyword === 'if') continue; // the branch errors say more
    const parts = e.instancePath.split('/').slice(1);
    const where = parts.shift();
    const p = e.params as Record<string, unknown>;
    let field = parts.filter((x) => !/^\d+$/.test(x)).pop() ?? '';
    let code: string;
    if (where === 'header') code = 'INVALID_X_REQUEST_ID';
    else if (e.keyword === 'additionalProperties') {
      code = 'INVALID_UNEXPECTED_FIELD';
      field = String(p.additionalProperty);
    } else {
      if (e.keyword === 'required') field = String(p.missingProperty);
      code = UNAVAILABLE_COUNTERS[field] ?? (UUID.test(field) || field === 'items' || field === '' ? 'INVALID_HOLDERNAMEGUID' : `INVALID_${field.toUpperCase()}`);
    }
    const at = (parts.join('.') + (e.keyword === 'required' || e.keyword === 'additionalProperties' ? `.${field}` : '')).replace(/^\./, '');
    out.set(`${code}|${at}`, { code, field: at || field || 'body', detail: `the OpenAPI document: ${e.message ?? 'is invalid'}` });
  }
  return [...out.values()];
}

export async function createReportingApp(deps: ReportingDeps): Promise<LeanApp> {
  const { clock, journal, submissions } = deps;
  const api = deps.api ?? (await loadApi(REPORTING_SPEC));
  const faults = deps.faults ?? new FaultRegistry({ clock });
  const strict = deps.strict !== false;
  // Without --strict, the document that judges what the rules module passed lacks cda-sim's own rules.
  const judgeApi = strict ? api : await loadApi(withoutOwnRules(api.definition));
  const nowIso = () => new Date(clock.now()).toISOString();

  // Routing comes from the document: its paths, matched literally (none is templated).
  const routes = new Map<string, Route>();
  for (const op of api.getOperations()) {
    const p = op.path.replace(/\/$/, '');
    const endpoint = REPORTING_ENDPOINTS.find((e) => `/${e}` === p);
    routes.set(`${op.method.toUpperCase()} ${p}`, {
      op,
      endpoint,
      validators: judgeApi.validator.getRequestValidatorsForOperation(op.operationId!) as unknown as ((data: unknown) => boolean)[],
    });
  }
  const knownPaths = new Set([...routes.values()].map((r) => r.op.path.replace(/\/$/, '')));

  const problem = (res: Response, status: number, errors: RuleViolation[] | { code: string }[], title = TITLES[status] ?? titleCase(errors[0]?.code ?? 'ERROR'), headers: Record<string, string> = {}) => {
    const requestId = res.req.get('x-request-id');
    const details = (errors as RuleViolation[]).filter((e) => e.detail).map((e) => (e.field ? `${e.field}: ${e.detail}` : e.detail));
    res
      .status(status)
      .set(headers)
      .type('application/problem+json')
      .json({
        type: 'about:blank',
        title,
        status,
        datetimestamp: nowIso(),
        ...(details.length ? { detail: details.join('; ').slice(0, 4000) } : {}),
        ...(requestId ? { request_id: requestId } : {}),
        // The official ProblemDetails item is closed {code}: field and rule are in `detail` above.
        errors: errors.slice(0, 1000).map((e) => ({ code: e.code })),
      });
  };

  const app = createLeanApp();
  journalExchanges(app, journal, 'reporting', () => clock.now());

  app.use(async (req: Request, res: Response, next: NextFunction) => {
    const p = req.path.length > 1 ? req.path.replace(/\/$/, '') : req.path;
    const route = routes.get(`${req.method} ${p}`);
    if (!route) {
      if (knownPaths.has(p)) return problem(res, 405, [{ code: 'METHOD_NOT_ALLOWED', field: 'method', detail: `${req.method} is not allowed on ${p}: use POST` }]);
      return problem(res, 404, [{ code: 'INVALID_URL', field: 'path', detail: `${req.method} ${req.path} is not an endpoint of the reporting API` }]);
    }
    res.locals.operationId = route.op.operationId;
    try {
      // Step 1: size, before parsing (refused on Content-Length, or as the stream passes 1 MiB).
      let raw: Buffer;
      try {
        raw = await readRawBody(req);
      } catch (err) {
        if (err instanceof HttpProblem && err.problem === 'payload-too-large') return problem(res, 413, [{ code: 'CONTENT_TOO_LARGE', field: 'body', detail: 'must be at most 1,048,576 bytes (1 MiB)' }]);
        const e = err instanceof HttpProblem ? err.errors[0] : undefined;
        return problem(res, err instanceof HttpProblem && err.problem === 'unsupported-media-type' ? 415 : 400, [
          { code: 'INVALID_REQUEST_BODY', field: e?.field ?? 'body', detail: `could not be read (${e?.detail ?? (err as Error).message})` },
        ]);
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') {
        return problem(res, 415, [{ code: 'INVALID_CONTENT_TYPE', field: 'Content-Type', detail: `must be application/json${type ? `, not ${type}` : ' (none was sent)'}` }]);
      }
      const guard = checkCharset(req.headers['content-type']) ?? checkRawBody(raw, true);
      if (guard) return problem(res, guard.status, [{ code: guard.code, field: guard.field, detail: guard.detail }]);
      const text = raw.toString('utf8');
      let body: unknown;
      try {
        body = text.trim() === '' ? undefined : JSON.parse(text);
      } catch (err) {
        req.body = text;
        return problem(res, 400, [{ code: 'INVALID_REQUEST_BODY', field: 'body', detail: `is not valid JSON (${(err as Error).message})` }]);
      }
      req.body = body;

      if (!route.endpoint) {
        // POST /configuration
        const violations = body === undefined ? [{ code: 'INVALID_REQUEST_BODY', field: 'body', detail: 'is required: a JSON array' }] : validateConfiguration(body);
        if (violations.length) return problem(res, 400, violations);
        faults.replace(configurationRules(body as unknown[], OAUTH_ERROR_CODES));
        res.status(204).end();
        return;
      }

      const endpoint = route.endpoint;
      const requestId = req.get('x-request-id');
      let violations: RuleViolation[] = [
        ...checkRequestId(requestId),
        ...(body === undefined ? [{ code: 'INVALID_REQUEST_BODY', field: 'body', detail: 'is required: a JSON object' }] : validateSubmission(endpoint, body)),
      ];
      if (deps.compat === 'maps-harness') violations = harnessViolations(endpoint, body, violations);
      // Without --strict, own-rule violations are warnings when nothing else is wrong (the journal records them).
      const own = strict ? [] : violations.filter((v) => v.ownRule);
      if (own.length && own.length === violations.length) {
        res.locals.ownRuleWarnings = withOwnRuleNotes(own, 'accepted').map(({ code, field, detail }) => ({ code, field, detail }));
        violations = [];
      }
      if (violations.length === 0) {
        const errors: ErrorObject[] = [];
        const parameters = { path: {}, query: {}, header: req.headers, cookie: {}, requestBody: body };
        for (const validate of route.validators) {
          validate(parameters);
          const found = (validate as unknown as { errors?: ErrorObject[] | null }).errors;
          if (found) errors.push(...found);
        }
        violations.push(...documentViolations(errors));
      }
      if (violations.length) {
        res.locals.ownRuleWarnings = undefined; // refused: nothing was accepted with a warning
        return problem(res, 400, withOwnRuleNotes(violations, strict ? 'refused' : 'refused-whole'));
      }

      // Step 9: an injected answer, only for a call that passed validation; nothing is stored.
      const injected = faults.empty ? undefined : faults.take(endpoint);
      if (injected && isError(injected)) {
        const code = injected.code ?? injected.errors?.[0]?.code ?? PROBLEM_DEFAULT[injected.status] ?? `HTTP_${injected.status}`;
        return problem(res, injected.status, injected.errors ?? [{ code }], titleCase(code), injected.status === 429 ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {});
      }
      if (injected && isSlow(injected)) await new Promise((r) => setTimeout(r, injected.delayMs));

      // Step 10: on disk first, then 202.
      const receivedAt = nowIso();
      // One serialisation and encoding of the body serves the stored line and the journal's digest of it.
      const bodyJson = Buffer.from(JSON.stringify(body), 'utf8');
      submissions.add({ receivedAt, endpoint, requestId: requestId!, body: body as Record<string, unknown> }, bodyJson);
      res.locals.requestBodyJson = bodyJson;
      res.status(202).json({ message: 'ACCEPTED', datetimestamp: receivedAt });
    } catch (err) {
      next(err);
    }
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    console.error(`cda-sim: internal error on ${req.method} ${req.path}: ${(err as Error)?.stack ?? err}`);
    if (!res.headersSent) problem(res, 500, [{ code: 'INTERNAL_SERVER_ERROR', detail: 'cda-sim failed to handle this request; the journal has the exchange' }]);
  });
  return app;
}
