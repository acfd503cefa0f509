// The spec-driven pipeline, after Prism: route → validate (collecting every violation) → act.
// Routing and request validation come from an OpenAPI document (openapi-backend compiles it); handlers
// hold only the domain rules the document cannot express. Response validation against the same
// document happens in the tests (see tests/helpers/contract.ts), so our own answers are checked too.
import express, { type NextFunction, type Request, type Response } from 'express';
import { OpenAPIBackend, type Operation } from 'openapi-backend';
import type { ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { HttpProblem, OAuthProblem, sendOAuthError, sendProblem, type Violation } from './problems.js';
import { checkCharset, decodeComponent, verifyBody, type BodyViolation } from './body-guards.js';
import { ownRuleOf, withOwnRuleNotes } from './own-rules.js';

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
  /** Enforce cda-sim's own rules (own-rules.ts) as errors; default true. */
  strict?: boolean;
  /** With strict false: the document without its own rules, which decides whether a request is refused. */
  relaxed?: OpenAPIBackend;
}

export const BODY_LIMIT = '1mb';

/**
 * Load and compile an OpenAPI document. At run time the document itself is not checked against
 * the OpenAPI meta-schema (that alone cost ~0.4 s of every start); `checkDocument: true` does it,
 * and the tests check every shipped document that way.
 */
export async function loadApi(definition: string | object, opts: { checkDocument?: boolean } = {}): Promise<OpenAPIBackend> {
  const api = new OpenAPIBackend({
    definition: definition as string,
    strict: true,
    quick: !opts.checkDocument,
    validate: true,
    // verbose: each error carries its schema, where an own rule's tag is read (own-rules.ts).
    ajvOpts: { allErrors: true, strict: false, verbose: true },
    customizeAjv: (ajv) => {
      addFormats(ajv);
      return ajv;
    },
  });
  await api.init();
  return api;
}

/**
 * The document's operations, compiled once: a path regex per operation and openapi-backend's own
 * precompiled ajv validators. Matching and validating per request then costs a regex test and the
 * validators, not openapi-backend's general request parsing (measured: a sixth of the C&A's CPU
 * under load went to it).
 */
interface CompiledRoute {
  op: Operation;
  method: string;
  pattern: RegExp;
  paramNames: string[];
  templated: boolean;
  validators: ((data: unknown) => boolean)[];
  arrayQueryParams: Set<string>;
}

function compileRoutes(api: OpenAPIBackend): CompiledRoute[] {
  const routes = api.getOperations().map((op) => {
    const paramNames: string[] = [];
    const source = op.path
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const m = /^\{([^}]+)\}$/.exec(part);
        if (m) {
          paramNames.push(m[1]);
          return '([^/]+)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    const arrayQueryParams = new Set(
      ((op.parameters ?? []) as { in?: string; name?: string; schema?: { type?: string } }[]).filter((p) => p.in === 'query' && p.schema?.type === 'array').map((p) => p.name!),
    );
    return {
      op,
      method: op.method.toUpperCase(),
      pattern: new RegExp(`^${source}$`),
      paramNames,
      templated: paramNames.length > 0,
      validators: api.validator.getRequestValidatorsForOperation(op.operationId!) as unknown as ((data: unknown) => boolean)[],
      arrayQueryParams,
    };
  });
  // Literal paths win over templates, as openapi-backend orders them.
  return routes.sort((a, b) => Number(a.templated) - Number(b.templated));
}

function normalisePath(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

type RouteMatch = { route: CompiledRoute; params: Record<string, string>; badParam?: string };

function matchRoute(routes: CompiledRoute[], method: string, path: string): RouteMatch | 'wrong-method' | undefined {
  const normalised = normalisePath(path);
  let pathMatched = false;
  for (const route of routes) {
    const m = route.pattern.exec(normalised);
    if (!m) continue;
    if (route.method !== method) {
      pathMatched = true;
      continue;
    }
    const params: Record<string, string> = {};
    let badParam: string | undefined;
    route.paramNames.forEach((name, i) => {
      const value = decodeComponent(m[i + 1]);
      if (value === undefined) badParam ??= name;
      params[name] = value ?? m[i + 1];
    });
    return { route, params, badParam };
  }
  return pathMatched ? 'wrong-method' : undefined;
}

/** Validate one request with the operation's precompiled validators, as openapi-backend's validateRequest does. */
function validateWith(route: CompiledRoute, req: Request, params: Record<string, string>): ErrorObject[] {
  const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
  for (const name of route.arrayQueryParams) if (typeof query[name] === 'string') query[name] = [query[name]];
  const parameters: Record<string, unknown> = { path: params, query, header: req.headers, cookie: {} };
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (typeof req.body === 'object' || contentType === 'application/json') parameters.requestBody = req.body;
  const errors: ErrorObject[] = [];
  for (const validate of route.validators) {
    validate(parameters);
    const found = (validate as unknown as { errors?: ErrorObject[] | null }).errors;
    if (found) errors.push(...found);
  }
  return errors;
}

/** The header/parameter names as the document spells them, to name fields the way users read them. */
function declaredNames(op: Operation | undefined): Map<string, string> {
  const names = new Map<string, string>();
  for (const p of (op?.parameters ?? []) as { name: string }[]) names.set(p.name.toLowerCase(), p.name);
  return names;
}

/** A violation, and the why of the own rule it breaks when it breaks one. */
export type CheckedViolation = Violation & { ownRule?: string };

/** Turn ajv's errors into violations that name the field and the rule; an own rule's violation carries its why (the note is added once the outcome is known). */
export function toViolations(errors: ErrorObject[], op: Operation | undefined, rules: Record<string, string> = {}): CheckedViolation[] {
  const names = declaredNames(op);
  // An operation taken from --spec-dir: the built-in plain-words rules may not be its rules.
  const supplied = (op as Record<string, unknown> | undefined)?.['x-cda-sim-supplied'];
  const seen = new Set<string>();
  const out: CheckedViolation[] = [];
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
    if (typeof supplied === 'string') detail = `${detail} (${supplied})`;
    else if (rule && code !== 'MISSING_FIELD' && code !== 'MISSING_HEADER' && code !== 'UNKNOWN_FIELD') detail = `${detail} (${rule})`;
    if (!field) field = where === 'requestBody' ? 'body' : where;
    const ownRule = ownRuleOf(e);
    const key = `${code}|${field}`;
    if (seen.has(key)) continue; // ajv reports some failures twice (e.g. enum inside arrays)
    seen.add(key);
    out.push(ownRule ? { code, field, detail, ownRule } : { code, field, detail });
  }
  return out;
}

const plain = ({ code, field, detail }: CheckedViolation): Violation => (field === undefined ? { code, detail } : { code, field, detail });

/**
 * What validation leaves of a request: nothing (it goes on), or the problem it is refused with.
 * Without --strict a request whose only faults are own rules goes on, each fault kept as a warning,
 * provided the document without own rules accepts it (so no other rule is waived with them).
 */
function judge(found: CheckedViolation[], strict: boolean, relaxedErrors: () => ErrorObject[]): { refuse?: HttpProblem; warnings?: Violation[] } {
  const own = found.filter((v) => v.ownRule);
  if (!strict && own.length > 0 && relaxedErrors().length === 0) return { warnings: withOwnRuleNotes(own, 'accepted').map(plain) };
  return { refuse: new HttpProblem('invalid-request', withOwnRuleNotes(found, strict ? 'refused' : 'refused-whole').map(plain)) };
}

function hasBody(req: Request): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** A guard's violation as the problem the operation answers with. */
function guardProblem(v: BodyViolation): HttpProblem {
  return new HttpProblem(v.status === 415 ? 'unsupported-media-type' : 'invalid-request', [{ code: v.code, field: v.field, detail: v.detail }]);
}

/** What is refused before a body is read: bad %-encoding in the path, a charset other than UTF-8, a body the operation does not take. */
function refuseBeforeParsing(req: Request, op: Operation, matched: RouteMatch): HttpProblem | undefined {
  if (matched.badParam) {
    return new HttpProblem('invalid-request', [{ code: 'INVALID_ENCODING', field: matched.badParam, detail: 'is not valid percent-encoding (RFC 3986)' }]);
  }
  const charset = checkCharset(req.headers['content-type']);
  if (charset) return guardProblem(charset);
  if (hasBody(req) && !op.requestBody) {
    const supplied = (op as Record<string, unknown>)['x-cda-sim-supplied'];
    const source = typeof supplied === 'string' ? ` (${supplied} declares no requestBody)` : '';
    return new HttpProblem('invalid-request', [{ code: 'BODY_NOT_ALLOWED', field: 'body', detail: `${req.method} ${op.path} takes no request body${source}` }]);
  }
  return undefined;
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

  const routes = compileRoutes(api);
  const strict = options.strict ?? true;
  const relaxedRoutes = new Map((options.relaxed && !strict ? compileRoutes(options.relaxed) : []).map((r) => [r.op.operationId, r]));
  // Body parsers are called for the matched operation only, inside the one middleware below, rather
  // than as router layers every request walks through.
  const jsonParser = express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'], verify: verifyBody(true) });
  const formParser = express.urlencoded({ limit: BODY_LIMIT, extended: false, verify: verifyBody(false) });
  const parseBody = (req: Request, res: Response): Promise<void> => {
    const type = req.headers['content-type'] ?? '';
    const parse = /json/i.test(type) ? jsonParser : /x-www-form-urlencoded/i.test(type) ? formParser : undefined;
    if (!parse) return Promise.resolve(); // an undeclared type is refused below with 415
    return new Promise<void>((resolve, reject) => parse(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
  };

  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const matched = matchRoute(routes, req.method, req.path);
    if (matched === 'wrong-method') {
      return sendProblem(res, 'method-not-allowed', [{ code: 'METHOD_NOT_ALLOWED', field: 'method', detail: `${req.method} is not defined for ${req.path}` }]);
    }
    if (!matched) return next();
    const { route, params } = matched;
    const op = route.op;
    res.locals.operationId = op.operationId;
    const refused = refuseBeforeParsing(req, op, matched);
    if (refused) return fail(req, res, op, refused);
    // An empty body with a declared type still parses (to {}), so the rule broken is the missing field.
    if (hasBody(req) || req.headers['content-type']) {
      try {
        await parseBody(req, res);
      } catch (err) {
        return next(err); // bad JSON, too large: answered by the error handler below, in the operation's shape
      }
    }
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
      const errors = validateWith(route, req, params);
      if (errors.length) {
        const relaxed = relaxedRoutes.get(op.operationId);
        const { refuse, warnings } = judge(toViolations(errors, op, options.rules), strict, () => (relaxed ? validateWith(relaxed, req, params) : errors));
        if (refuse) throw refuse;
        res.locals.ownRuleWarnings = warnings; // the journal records them with the exchange
      }
      const handler = options.handlers[op.operationId ?? ''];
      if (!handler) {
        res.status(501).type('application/problem+json').json({ type: 'urn:cda-sim:problem:not-implemented', title: 'Not implemented', status: 501, errors: [] });
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
    const m = matchRoute(routes, req.method, req.path);
    const op = m && m !== 'wrong-method' ? m.route.op : undefined;
    if (err.type === 'entity.parse.failed') {
      return fail(req, res, op, new HttpProblem('malformed-json', [{ code: 'MALFORMED_JSON', field: 'body', detail: `is not valid JSON (${err.message})` }]));
    }
    if (err.type === 'entity.too.large') {
      return fail(req, res, op, new HttpProblem('payload-too-large', [{ code: 'PAYLOAD_TOO_LARGE', field: 'body', detail: 'must be at most 1 MiB (1,048,576 bytes)' }]));
    }
    if (err.type === 'entity.guard') return fail(req, res, op, guardProblem((err as unknown as { violation: BodyViolation }).violation));
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
