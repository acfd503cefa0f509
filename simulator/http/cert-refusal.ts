// The answer to a connection whose client certificate client-cert-policy.ts refuses: a 403
// problem that names the rule, so the client's engineer sees which check failed (not a bare reset).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createLeanApp } from './lean-app.js';
import type { Journal } from '../store/journal.js';
import { clientCertRefusal, type HandshakeRefusal } from './client-cert-policy.js';
import { journalExchanges } from './journal-middleware.js';
import { problemBody } from './problems.js';

/** The 403 problem naming the rule this connection's client certificate breaks. */
function refusalBody(req: IncomingMessage) {
  const reason = clientCertRefusal(req.socket) ?? 'the client certificate is refused';
  const requestId = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : undefined;
  return problemBody('forbidden', [{ code: 'CLIENT_CERTIFICATE_REFUSED', field: 'client certificate', detail: reason }], undefined, requestId);
}

/** A 403 problem answer naming the rule the client certificate breaks (no journal). */
export function answerCertRefusal(req: IncomingMessage, res: ServerResponse): void {
  const text = JSON.stringify(refusalBody(req));
  res.writeHead(403, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
  res.end(text);
}

/** The same 403, answered by an app that journals it (with the refusal's reason) as `role`. */
export function journalledCertRefusal(journal: Journal, role: string, now: () => number): RequestListener {
  const app = createLeanApp();
  journalExchanges(app, journal, role, now);
  app.use((req, res) => {
    res.set('Connection', 'close').status(403).type('application/problem+json').json(refusalBody(req));
  });
  return app;
}

/**
 * Journals a client certificate the TLS handshake refused, as `role` (not the C&A's own role: the
 * request never reached it, so no check counts it as a call). No HTTP was exchanged: method TLS,
 * path (handshake), status 0, the reason in clientCert.refused.
 */
export function journalHandshakeRefusal(journal: Journal, role: string, now: () => number) {
  return (refusal: HandshakeRefusal): void => {
    journal.record({
      time: new Date(now()).toISOString(),
      direction: 'in',
      role,
      method: 'TLS',
      url: '(handshake)',
      path: '(handshake)',
      requestHeaders: { ...(refusal.servername ? { 'tls-servername': refusal.servername } : {}), ...(refusal.remoteAddress ? { 'remote-address': refusal.remoteAddress } : {}) },
      status: 0,
      responseHeaders: {},
      durationMs: 0,
      clientCert: { subject: '', issuer: '', authorized: false, error: refusal.code, refused: refusal.reason },
      error: `TLS handshake refused: ${refusal.reason}`,
    });
  };
}
