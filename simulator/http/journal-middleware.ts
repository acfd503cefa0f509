// Journals every inbound exchange a lean app (http/lean-app.ts) answers.
import type { ApiRequest as Request, ApiResponse as Response, LeanApp } from './lean-app.js';
import type { TLSSocket } from 'node:tls';
import type { Journal } from '../store/journal.js';
import { clientCertRefusal } from './client-cert-policy.js';

export function clientCertOf(req: Request): { subject: string; issuer: string; authorized: boolean; error?: string; refused?: string } | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  const refused = clientCertRefusal(socket);
  const dn = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(', ');
  return {
    subject: dn(cert.subject as unknown as Record<string, unknown>),
    issuer: dn(cert.issuer as unknown as Record<string, unknown>),
    authorized: socket.authorized,
    ...(socket.authorizationError ? { error: String(socket.authorizationError) } : {}),
    ...(refused ? { refused } : {}),
  };
}

/**
 * Journal every exchange a lean app answers. It sits first in the app, before any parsing or
 * check, so a request that is rejected (bad JSON, wrong content type, refused token) is journalled
 * too. JSON answers are captured as the objects our handlers pass to res.json (no re-parsing of our
 * own output), through the app's response prototype: set once, rather than a property added to
 * every response object (which costs V8 a new hidden class per request on the hot path).
 */
export function journalExchanges(app: LeanApp, journal: Journal, role: string, now: () => number): void {
  const json = app.response.json;
  app.response.json = function journalledJson(this: Response, body: unknown) {
    this.locals.journalBody = body;
    return json.call(this, body);
  };
  app.use((req: Request, res: Response, next: () => void) => {
    const started = now();
    const t0 = performance.now();
    // 'close' follows every response, completed or cut off: one listener is enough.
    res.once('close', () => {
      const requestHeaders = req.headers as Record<string, string>;
      journal.record({
        time: new Date(started).toISOString(),
        direction: 'in',
        role,
        method: req.method ?? '',
        url: req.originalUrl,
        path: req.path,
        requestId: requestHeaders['x-request-id'],
        requestHeaders,
        requestBody: req.body !== undefined && !(typeof req.body === 'object' && req.body !== null && Object.keys(req.body).length === 0 && !req.headers['content-length']) ? req.body : undefined,
        status: res.statusCode,
        responseHeaders: res.getHeaders() as Record<string, string>,
        responseBody: res.locals.journalBody,
        durationMs: performance.now() - t0,
        clientCert: clientCertOf(req),
        operationId: res.locals.operationId,
        ...(res.locals.ownRuleWarnings ? { ownRuleWarnings: res.locals.ownRuleWarnings } : {}),
        ...(res.writableFinished ? {} : { error: 'connection closed before the response was sent' }),
      }, res.locals.requestBodyJson);
    });
    next();
  });
}
