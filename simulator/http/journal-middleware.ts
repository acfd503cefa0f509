// Journals every inbound exchange. It sits first in the app, before any parsing or check, so a
// request that is rejected (bad JSON, wrong content type, refused token) is journalled too.
import type { NextFunction, Request, Response } from 'express';
import type { TLSSocket } from 'node:tls';
import type { Journal } from '../store/journal.js';

export function clientCertOf(req: Request): { subject: string; issuer: string; authorized: boolean; error?: string } | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  const dn = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(', ');
  return {
    subject: dn(cert.subject as unknown as Record<string, unknown>),
    issuer: dn(cert.issuer as unknown as Record<string, unknown>),
    authorized: socket.authorized,
    ...(socket.authorizationError ? { error: String(socket.authorizationError) } : {}),
  };
}

/**
 * JSON answers written directly: an API answer needs no ETag, freshness check or charset
 * negotiation, which express's res.send does for every response (measured on the C&A hot path).
 */
function writeJson(res: Response, body: unknown): Response {
  const text = JSON.stringify(body);
  if (!res.getHeader('content-type')) res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
  return res;
}

export function journalMiddleware(journal: Journal, role: string, now: () => number) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = now();
    const t0 = process.hrtime.bigint();
    // Keep the object our handlers answer with (every JSON answer goes through res.json), rather
    // than parsing our own output again.
    let responseBody: unknown;
    res.json = ((body: unknown) => {
      responseBody = body;
      return writeJson(res, body);
    }) as Response['json'];
    // 'close' follows every response, completed or cut off: one listener is enough.
    res.once('close', () => {
      const requestHeaders = req.headers as Record<string, string>;
      journal.record({
        time: new Date(started).toISOString(),
        direction: 'in',
        role,
        method: req.method,
        url: req.originalUrl,
        path: req.path,
        requestId: requestHeaders['x-request-id'],
        requestHeaders,
        requestBody: req.body !== undefined && !(typeof req.body === 'object' && req.body !== null && Object.keys(req.body).length === 0 && !req.headers['content-length']) ? req.body : undefined,
        status: res.statusCode,
        responseHeaders: res.getHeaders() as Record<string, string>,
        responseBody,
        durationMs: Number(process.hrtime.bigint() - t0) / 1e6,
        clientCert: clientCertOf(req),
        operationId: res.locals.operationId,
        ...(res.writableFinished ? {} : { error: 'connection closed before the response was sent' }),
      });
    });
    next();
  };
}
