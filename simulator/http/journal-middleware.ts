// Journals every inbound exchange. It sits first in the app, before any parsing or check, so a
// request that is rejected (bad JSON, wrong content type, refused token) is journalled too.
import type { NextFunction, Request, Response } from 'express';
import type { TLSSocket } from 'node:tls';
import type { Journal } from '../store/journal.js';

function flatHeaders(h: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

function parseMaybeJson(text: string, contentType: string | undefined): unknown {
  if (contentType && /json/.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

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

export function journalMiddleware(journal: Journal, role: string, now: () => number) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = now();
    const t0 = process.hrtime.bigint();
    let responseText = '';
    const originalEnd = res.end.bind(res) as (...a: unknown[]) => Response;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk !== undefined && typeof chunk !== 'function') responseText = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
      return originalEnd(chunk, ...rest);
    }) as Response['end'];
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      const requestHeaders = flatHeaders(req.headers);
      const responseHeaders = flatHeaders(res.getHeaders());
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
        responseHeaders,
        responseBody: responseText ? parseMaybeJson(responseText, responseHeaders['content-type']) : undefined,
        durationMs: Number(process.hrtime.bigint() - t0) / 1e6,
        clientCert: clientCertOf(req),
        operationId: res.locals.operationId,
        ...(error ? { error } : {}),
      });
    };
    res.on('finish', () => finish());
    res.on('close', () => finish(res.writableFinished ? undefined : 'connection closed before the response was sent'));
    next();
  };
}
