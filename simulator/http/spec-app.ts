// The spec-driven pipeline, after Prism: route → validate (collecting every violation) → act.
// Routing and request validation come from an OpenAPI document through openapi-backend; handlers
// hold only the domain rules the document cannot express. Response validation against the same
// document happens in the tests (see tests/helpers/contract.ts), so our own answers are checked too.
import express, { type NextFunction, type Request, type Response } from 'express';
import { OpenAPIBackend, type Operation, type Request as OasRequest } from 'openapi-backend';
import type { ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { HttpProblem, OAuthProblem, sendOAuthError, sendProblem, type Violation } from './problems.js';

// ajv-formats ships CommonJS; under NodeNext its callable sits on `default`.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: unknown,
) => unknown;

export type OperationHandler = (req: Request, res: Response, op: Operation) => Promise<void> | void;

export interface SpecAppOptions {
  /** Handlers by operationId. An operation with no handler answers 501. */
  handlers: Record<string, OperationHandler>;
  /** Operations whose errors take the OAuth shape rather than problem+json. */
  oauthOperations?: string[];
  /** Plain-words rules per field, used in violation details where the schema's own words are cryptic. */
  rules?: Record<string, string>;
}

export const BODY_LIMIT = '1mb';

export async function loadApi(definition: string | object): Promise<OpenAPIBackend> {
  const api = new OpenAPIBackend({
    definition: definition as string,
    strict: true,
    quick: false,
    validate: true,
    ajvOpts: { allErrors: true, strict: false },
    customizeAjv: (ajv) => {
      addFormats(ajv);
      return ajv;
    },
  });
  await api.init();
  return api;
}

function toOasRequest(req: Request): OasRequest {
  return {
    method: req.method,
    path: req.path,
    headers: req.headers as Record<string, string | string[]>,
    query: req.query as Record<string, string | string[]>,
    body: req.body,
  };
}

/** The header/parameter names as the document spells them, to name fields the way users read them. */
function declaredNames(op: Operation | undefined): Map<string, string> {
  const names = new Map<string, string>();
  for (const p of (op?.parameters ?? []) as { name: string }[]) names.set(p.name.toLowerCase(), p.name);
  return names;
}

/** Turn ajv's errors into violations that name the field and the rule. */
export function toViolations(errors: ErrorObject[], op: Operation | undefined, rules: Record<string, string> = {}): Violation[] {
  const names = declaredNames(op);
  const seen = new Set<string>();
  const out: Violation[] = [];
  for (const e of errors) {
    const [, where = '', ...rest] = e.instancePath.split('/');
    let fieldParts = rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : p));
    let field = fieldParts.join('.').replace(/\.\[/g, '[');
    const params = e.params as Record<string, unknown>;
    let code: string;
    let detail: string;
    switch (e.keyword) {
      case 'required': {
        const missing = String(params.missingProperty);
        if (missing === 'requestBody' || where === '' ) {
          field = missing === 'requestBody' ? 'body' : missing;
          code = 'MISSING_BODY';
          detail = 'a request body is required';
        } else {
          field = field ? `${field}.${missing}` : missing;
          code = where === 'header' ? 'MISSING_HEADER' : 'MISSING_FIELD';
          detail = where === 'header' ? 'this header is required' : 'is required';
        }
        break;
      }
      case 'additionalProperties':
        field = field ? `${field}.${params.additionalProperty}` : String(params.additionalProperty);
        code = 'UNKNOWN_FIELD';
        detail = 'is not allowed: the object is closed (additionalProperties: false)';
        break;
      case 'enum':
        code = 'INVALID_VALUE';
        detail = `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
        break;
      case 'type':
        code = 'INVALID_TYPE';
        detail = `must be of type ${params.type}`;
        break;
      case 'format':
        code = 'INVALID_FORMAT';
        detail = `must be a valid ${params.format}`;
        break;
      case 'pattern':
        code = 'INVALID_FORMAT';
        detail = 'does not match the required pattern';
        break;
      case 'minItems':
      case 'maxItems':
        code = 'INVALID_LENGTH';
        detail = `must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${params.limit} item(s)`;
        break;
      case 'minLength':
      case 'maxLength':
        code = 'INVALID_LENGTH';
        detail = `must be ${e.keyword === 'minLength' ? 'at least' : 'at most'} ${params.limit} character(s) long`;
        break;
      case 'uniqueItems':
        code = 'DUPLICATE_ITEM';
        detail = 'must not repeat an item';
        break;
      default:
        code = 'INVALID_VALUE';
        detail = e.message ?? 'is invalid';
    }
    if (where === 'header' || where === 'query' || where === 'path') {
      const top = field.split(/[.[]/)[0];
      const declared = names.get(top.toLowerCase());
      if (declared) field = declared + field.slice(top.length);
    }
    const rule = rules[field] ?? rules[field.replace(/\[\d+\]$/, '')];
    if (rule && code !== 'MISSING_FIELD' && code !== 'MISSING_HEADER' && code !== 'UNKNOWN_FIELD') detail = `${detail} (${rule})`;
    if (!field) field = where === 'requestBody' ? 'body' : where;
    const key = `${code}|${field}`;
    if (seen.has(key)) continue; // ajv reports some failures twice (e.g. enum inside arrays)
    seen.add(key);
    out.push({ code, field, detail });
  }
  return out;
}

function hasBody(req: Request): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Build the express middleware for one OpenAPI document. Body parsing (with the 1 MiB limit),
 * content-type checks, routing, validation and error answers all happen here.
 */
export function specRouter(api: OpenAPIBackend, options: SpecAppOptions): express.Router {
  const oauthOps = new Set(options.oauthOperations ?? []);
  const router = express.Router();

  const fail = (req: Request, res: Response, op: Operation | undefined, err: HttpProblem | OAuthProblem) => {
    if (err instanceof OAuthProblem) return sendOAuthError(res, err.status, err.error, err.description);
    if (op?.operationId && oauthOps.has(op.operationId)) {
      const status = err.problem === 'payload-too-large' ? 413 : err.problem === 'unsupported-media-type' ? 415 : 400;
      return sendOAuthError(res, status, 'invalid_request', err.errors.map((e) => (e.field ? `${e.field}: ${e.detail}` : e.detail)).join('; '));
    }
    res.set(err.headers);
    sendProblem(res, err.problem, err.errors);
  };

  router.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  router.use(express.urlencoded({ limit: BODY_LIMIT, extended: false }));

  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const oasReq = toOasRequest(req);
    const op = api.matchOperation(oasReq);
    if (!op) {
      const pathKnown = api.router.matchOperation({ ...oasReq, method: 'get' }) || ['post', 'patch', 'delete', 'put'].some((m) => api.router.matchOperation({ ...oasReq, method: m }));
      if (pathKnown) {
        return sendProblem(res, 'method-not-allowed', [{ code: 'METHOD_NOT_ALLOWED', field: 'method', detail: `${req.method} is not defined for ${req.path}` }]);
      }
      return next();
    }
    res.locals.operationId = op.operationId;
    try {
      // Content-Type must be one the document declares for this operation.
      const content = (op.requestBody as { content?: Record<string, unknown> } | undefined)?.content;
      if (content && hasBody(req)) {
        const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        if (!Object.keys(content).includes(type)) {
          throw new HttpProblem('unsupported-media-type', [
            { code: 'UNSUPPORTED_MEDIA_TYPE', field: 'Content-Type', detail: `must be ${Object.keys(content).join(' or ')}${type ? `, not ${type}` : ' (none was sent)'}` },
          ]);
        }
      }
      const result = api.validateRequest(oasReq, op);
      if (!result.valid) throw new HttpProblem('invalid-request', toViolations(result.errors ?? [], op, options.rules));
      const handler = options.handlers[op.operationId ?? ''];
      if (!handler) {
        res.status(501).type('application/problem+json').send(JSON.stringify({ type: 'urn:cda-sim:problem:not-implemented', title: 'Not implemented', status: 501, errors: [] }));
        return;
      }
      await handler(req, res, op);
    } catch (err) {
      if (err instanceof HttpProblem || err instanceof OAuthProblem) return fail(req, res, op, err);
      next(err);
    }
  });

  // Body-parser failures (bad JSON, too large) arrive here, before routing: route them to the right error shape.
  router.use((err: Error & { type?: string; status?: number }, req: Request, res: Response, next: NextFunction) => {
    const op = api.matchOperation(toOasRequest(req)) || undefined;
    if (err.type === 'entity.parse.failed') {
      return fail(req, res, op, new HttpProblem('malformed-json', [{ code: 'MALFORMED_JSON', field: 'body', detail: `is not valid JSON (${err.message})` }]));
    }
    if (err.type === 'entity.too.large') {
      return fail(req, res, op, new HttpProblem('payload-too-large', [{ code: 'PAYLOAD_TOO_LARGE', field: 'body', detail: 'must be at most 1 MiB (1,048,576 bytes)' }]));
    }
    if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
      return fail(req, res, op, new HttpProblem('unsupported-media-type', [{ code: 'UNSUPPORTED_ENCODING', field: 'Content-Type', detail: err.message }]));
    }
    if (err.status && err.status >= 400 && err.status < 500) {
      return fail(req, res, op, new HttpProblem('invalid-request', [{ code: 'BAD_REQUEST', detail: err.message }]));
    }
    next(err);
  });

  return router;
}

/** Last-resort handlers for an app: unknown paths get a 404 problem, crashes a 500 problem (never an HTML page). */
export function finalHandlers(app: express.Express): void {
  app.use((req: Request, res: Response) => {
    sendProblem(res, 'not-found', [{ code: 'UNKNOWN_PATH', field: 'path', detail: `${req.method} ${req.path} is not an endpoint of this service` }]);
  });
  app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
    console.error(`cda-sim: internal error on ${req.method} ${req.path}: ${err.stack ?? err}`);
    if (!res.headersSent) sendProblem(res, 'internal-error', [{ code: 'INTERNAL_ERROR', detail: 'cda-sim failed to handle this request; the journal has the exchange' }]);
  });
}
