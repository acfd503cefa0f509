// The app the CDA's own listeners serve (C&A, and anything on its hot path): express's request and
// response API where our handlers use it, on node's own classes, without express's per-request cost.
// Express re-prototypes every request and response (Object.setPrototypeOf), which makes V8 drop its
// fast paths for them: measured, that alone cost more than all of cda-sim's own work per request.
// Here the listener creates requests and responses of the app's own classes instead
// (`http.createServer({ IncomingMessage, ServerResponse })`); a server that does not (a test's
// supertest, say) still works, through the slower re-prototyping. Like json-server's createApp, the
// app never listens: servers and tests pick ports.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import type { TLSSocket } from 'node:tls';

/** What our handlers use of a request: a subset of express's Request, so express apps can share handlers. */
export interface ApiRequest extends IncomingMessage {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body?: any;
  readonly path: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly query: Record<string, any>;
  readonly originalUrl: string;
  readonly protocol: string;
  get(name: string): string | undefined;
  is(type: string): string | false | null;
}

/** What our handlers use of a response: a subset of express's Response. */
export interface ApiResponse extends ServerResponse {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  locals: Record<string, any>;
  req: ApiRequest;
  status(code: number): this;
  set(field: string | Record<string, string>, value?: string): this;
  type(contentType: string): this;
  location(url: string): this;
  json(body?: unknown): this;
  send(body?: unknown): this;
}

export type Next = (err?: unknown) => void;
export type Middleware = (req: ApiRequest, res: ApiResponse, next: Next) => unknown;
export type ErrorMiddleware = (err: unknown, req: ApiRequest, res: ApiResponse, next: Next) => unknown;

/** A Content-Type as express's res.set writes it: text/*, application/json and application/javascript carry charset=utf-8 (mime-types' charset()). */
export function withCharset(type: string): string {
  const media = type.split(';')[0].trim();
  return /;\s*charset=/i.test(type) || !/^(?:text\/[^;]+|application\/json|application\/javascript)$/i.test(media) ? type : `${type}; charset=utf-8`;
}

class LeanRequest extends http.IncomingMessage implements ApiRequest {
  body?: unknown = undefined;
  // Plain fields, not #private ones: a re-prototyped request (see adopt) has no private slots.
  cachedPath?: string = undefined;
  cachedQuery?: Record<string, string | string[]> = undefined;

  get path(): string {
    return (this.cachedPath ??= pathOf(this.url ?? '/'));
  }
  get query(): Record<string, string | string[]> {
    if (!this.cachedQuery) {
      const url = this.url ?? '';
      const q = url.indexOf('?');
      this.cachedQuery = q < 0 ? {} : (querystring.parse(url.slice(q + 1)) as Record<string, string | string[]>);
    }
    return this.cachedQuery;
  }
  get originalUrl(): string {
    return this.url ?? '/';
  }
  get protocol(): string {
    return (this.socket as TLSSocket).encrypted ? 'https' : 'http';
  }
  get(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }
  is(type: string): string | false | null {
    if (this.headers['content-length'] === undefined && this.headers['transfer-encoding'] === undefined) return null;
    const sent = (this.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    return sent === type.toLowerCase() ? type : false;
  }
}

// As express's res.location (the encodeurl package): characters a URL may not hold are
// %-encoded, existing %-escapes are kept, so a header never carries an invalid character.
const NOT_URL_CHARS = /(?:[^\x21\x23-\x3B\x3D\x3F-\x5F\x61-\x7A\x7C\x7E]|%(?:[^0-9A-Fa-f]|[0-9A-Fa-f][^0-9A-Fa-f]|$))+/g;
function encodeUrl(url: string): string {
  return url.replace(NOT_URL_CHARS, (s) => encodeURI(s));
}

/** The path of a request target: origin-form as sent, absolute-form by its pathname. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  const target = q < 0 ? url : url.slice(0, q);
  if (target.startsWith('/')) return target;
  try {
    return new URL(target).pathname;
  } catch {
    return target;
  }
}

class LeanResponse extends http.ServerResponse<LeanRequest> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  locals: Record<string, any> = {};

  status(code: number): this {
    this.statusCode = code;
    return this;
  }
  set(field: string | Record<string, string>, value?: string): this {
    if (typeof field === 'object') {
      for (const [k, v] of Object.entries(field)) this.set(k, v);
      return this;
    }
    this.setHeader(field, field.toLowerCase() === 'content-type' ? withCharset(String(value)) : String(value));
    return this;
  }
  type(contentType: string): this {
    return this.set('Content-Type', contentType);
  }
  location(url: string): this {
    return this.set('Location', encodeUrl(url));
  }
  json(body?: unknown): this {
    const text = JSON.stringify(body);
    if (!this.getHeader('content-type')) this.setHeader('Content-Type', 'application/json; charset=utf-8');
    return this.send(text);
  }
  send(body?: unknown): this {
    if (body === undefined || body === null) {
      this.end();
      return this;
    }
    if (typeof body === 'object' && !Buffer.isBuffer(body)) return this.json(body);
    if (!this.getHeader('content-type')) this.setHeader('Content-Type', typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/octet-stream');
    const chunk = typeof body === 'string' ? body : (body as Buffer);
    this.setHeader('Content-Length', Buffer.byteLength(chunk));
    this.end(chunk);
    return this;
  }
}

export interface LeanApp {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Middleware in order; one of four parameters handles errors, as in express. */
  use(fn: Middleware): LeanApp;
  use(fn: ErrorMiddleware): LeanApp;
  /** This app's own request and response prototypes (journalling and durability hook these). */
  readonly request: ApiRequest;
  readonly response: ApiResponse;
  /** For http(s).createServer: requests and responses of this app's classes, built once each. */
  readonly classes: { IncomingMessage: typeof IncomingMessage; ServerResponse: typeof ServerResponse };
}

export function createLeanApp(): LeanApp {
  // Classes of this app's own, so hooking one app's prototype leaves other apps alone.
  class AppRequest extends LeanRequest {}
  class AppResponse extends LeanResponse {}
  const stack: (Middleware | ErrorMiddleware)[] = [];

  const app = ((req: IncomingMessage, res: ServerResponse) => {
    if (!(req instanceof AppRequest)) adopt(req, res, AppRequest, AppResponse);
    run(stack, req as unknown as ApiRequest, res as unknown as ApiResponse);
  }) as LeanApp;
  Object.assign(app, {
    use(fn: Middleware | ErrorMiddleware) {
      stack.push(fn);
      return app;
    },
    request: AppRequest.prototype,
    response: AppResponse.prototype,
    classes: { IncomingMessage: AppRequest, ServerResponse: AppResponse },
  });
  return app;
}

/** A request from a server that did not build it as ours: give it our prototype and fields. */
function adopt(req: IncomingMessage, res: ServerResponse, Req: typeof LeanRequest, Res: typeof LeanResponse): void {
  Object.setPrototypeOf(req, Req.prototype);
  Object.setPrototypeOf(res, Res.prototype);
  (res as unknown as LeanResponse).locals = {};
  (req as unknown as LeanRequest).body = undefined;
}

/** Call the middleware in order, as express does: next() moves on, next(err) skips to the error handlers. */
function run(stack: (Middleware | ErrorMiddleware)[], req: ApiRequest, res: ApiResponse): void {
  let i = 0;
  const next: Next = (err?: unknown) => {
    const layer = stack[i++];
    if (!layer) return lastResort(err, res);
    const handlesErrors = layer.length === 4;
    if ((err !== undefined) !== handlesErrors) return next(err);
    try {
      const result = handlesErrors ? (layer as ErrorMiddleware)(err, req, res, next) : (layer as Middleware)(req, res, next);
      if (result instanceof Promise) result.catch(next);
    } catch (e) {
      next(e);
    }
  };
  next();
}

/** Past every handler: an app should end with its own 404 and 500 (spec-app's finalHandlers). */
function lastResort(err: unknown, res: ApiResponse): void {
  if (res.headersSent) return void res.destroy();
  res.statusCode = err === undefined ? 404 : 500;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(err === undefined ? 'Not found' : 'Internal error');
}
