// The spec-driven pipeline, after Prism: route → validate (collecting every violation) → act.
// Routing and request validation come from an OpenAPI document (openapi-backend compiles it); handlers
// hold only the domain rules the document cannot express. Response validation against the same
// document happens in the tests (see tests/helpers/contract.ts), so our own answers are checked too.
import { OpenAPIBackend, type Operation } from 'openapi-backend';
import type { ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { HttpProblem, OAuthProblem, sendOAuthError, sendProblem, type Violation } from './problems.js';
import { checkCharset, decodeComponent } from './body-guards.js';
import { guardProblem, readBody } from './request-body.js';
import type { ApiRequest as Request, ApiResponse as Response, ErrorMiddleware, Middleware } from './lean-app.js';
import { ownRuleOf, withOwnRuleNotes } from './own-rules.js';
import { isCalendarDateTime } from '../core/date-time.js';

// ajv-formats ships CommonJS; under NodeNext its callable sits on `default`.
interface FormatDefinition {
  validate: (s: string) => boolean;
  compare?: (a: string, b: string) => number | undefined;
}
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as {
  (ajv: unknown): unknown;
  get(name: string): FormatDefinition;
};

/**
 * ajv's date-time, answering at once for every timestamp the CDA's own pattern accepts (all of
 * which ajv-formats accepts too) and asking ajv-formats only about the rest: same verdicts, without
 * its split and regex matches per timestamp (a 1 MiB reporting body holds over 13,000 of them).
 */
const ajvDateTime = addFormats.get('date-time');
const dateTimeFormat: FormatDefinition = { ...ajvDateTime, validate: (s) => isCalendarDateTime(s) || ajvDateTime.validate(s) };

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


/**
 * Load and compile an OpenAPI document. At run time the document itself is not checked against
 * the OpenAPI meta-schema (that alone cost ~0.4 s of every start); `checkDocument: true` does it,
 * and the tests check every shipped document that way.
 */
export function loadApi(definition: string | object, opts: { checkDocument?: boolean } = {}): Promise<OpenAPIBackend> {
  // Compiled once per process and document: every simulator a process starts (a test file's
  // rehearsals, a replay after a run) shares it. Nothing changes a compiled document; a document
  // that fails to compile is not kept.
  const key = `${opts.checkDocument ? 'checked' : 'quick'}:${typeof definition === 'string' ? `file:${definition}` : JSON.stringify(definition)}`;
  let compiled = COMPILED.get(key);
  if (!compiled) {
    compiled = compileApi(definition, opts);
    COMPILED.set(key, compiled);
    compiled.catch(() => COMPILED.delete(key));
  }
  return compiled;
}

const COMPILED = new Map<string, Promise<OpenAPIBackend>>();

async function compileApi(definition: string | object, opts: { checkDocument?: boolean }): Promise<OpenAPIBackend> {
  const api = new OpenAPIBackend({
    definition: definition as string,
    strict: true,
    quick: !opts.checkDocument,
    validate: true,
    // verbose: each error carries its schema, where an own rule's tag is read (own-rules.ts).
    ajvOpts: { allErrors: true, strict: false, verbose: true },
    customizeAjv: (ajv) => {
      addFormats(ajv);
      ajv.addFormat('date-time', dateTimeFormat);
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
 * The middleware for one OpenAPI document, for express apps and lean ones alike. Body parsing (with
 * the 1 MiB limit), content-type checks, routing, validation and error answers all happen here.
 */
export function specRouter(api: OpenAPIBackend, options: SpecAppOptions): Middleware {
  const oauthOps = new Set(options.oauthOperations ?? []);
  const fail = (res: Response, op: Operation | undefined, err: HttpProblem | OAuthProblem) => {
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

  /** Validate the request against its operation; a refusal is thrown, warnings go to the journal. */
  const validate = (req: Request, res: Response, route: CompiledRoute, params: Record<string, string>) => {
    const op = route.op;
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
    if (!errors.length) return;
    const relaxed = relaxedRoutes.get(op.operationId);
    const { refuse, warnings } = judge(toViolations(errors, op, options.rules), strict, () => (relaxed ? validateWith(relaxed, req, params) : errors));
    if (refuse) throw refuse;
    res.locals.ownRuleWarnings = warnings; // the journal records them with the exchange
  };

  return async (req, res, next) => {
    const matched = matchRoute(routes, req.method ?? '', req.path);
    if (matched === 'wrong-method') {
      return sendProblem(res, 'method-not-allowed', [{ code: 'METHOD_NOT_ALLOWED', field: 'method', detail: `${req.method} is not defined for ${req.path}` }]);
    }
    if (!matched) return next();
    const { route, params } = matched;
    const op = route.op;
    res.locals.operationId = op.operationId;
    try {
      const refused = refuseBeforeParsing(req, op, matched);
      if (refused) throw refused;
      await readBody(req);
      validate(req, res, route, params);
      const handler = options.handlers[op.operationId ?? ''];
      if (!handler) {
        res.status(501).type('application/problem+json').json({ type: 'urn:cda-sim:problem:not-implemented', title: 'Not implemented', status: 501, errors: [] });
        return;
      }
      await handler(req, res, op);
    } catch (err) {
      if (err instanceof HttpProblem || err instanceof OAuthProblem) return fail(res, op, err);
      next(err);
    }
  };
}

/** Last-resort handlers for an app: unknown paths get a 404 problem, crashes a 500 problem (never an HTML page). */
export function finalHandlers(app: { use(fn: Middleware | ErrorMiddleware): unknown }): void {
  app.use((req: Request, res: Response) => {
    sendProblem(res, 'not-found', [{ code: 'UNKNOWN_PATH', field: 'path', detail: `${req.method} ${req.path} is not an endpoint of this service` }]);
  });
  app.use((err: unknown, req: Request, res: Response, _next: unknown) => {
    console.error(`cda-sim: internal error on ${req.method} ${req.path}: ${(err as Error)?.stack ?? err}`);
    if (!res.headersSent) sendProblem(res, 'internal-error', [{ code: 'INTERNAL_ERROR', detail: 'cda-sim failed to handle this request; the journal has the exchange' }]);
  });
}
