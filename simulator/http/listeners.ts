// Network listeners. HTTPS enforces mutual TLS by default (need): a client without a certificate
// issued by the cda-sim CA is refused during the handshake, before any HTTP is exchanged, and the
// C&A journals why (onHandshakeRefused). A certificate that chains but is unfit (no clientAuth
// purpose, a weak key) is refused once the handshake is done: every request on that connection
// gets a 403 naming the rule.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { CliError, EXIT } from '../core/exit-codes.js';
import { clientCertRefusal, handshakeCertRefusal, type HandshakeRefusal } from './client-cert-policy.js';
import { answerCertRefusal } from './cert-refusal.js';

export type MtlsMode = 'need' | 'want' | 'none';

export interface Listener {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface TlsMaterial {
  serverCert: string;
  serverKey: string;
  /** CA certificates whose client certificates are trusted. */
  clientCa: string[];
}

function urlHost(host: string): string {
  // Certificates name "localhost"; URLs read better with it than with the loopback address.
  if (host === '127.0.0.1' || host === '::1' || host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

async function bind(server: http.Server | https.Server, host: string, port: number, scheme: 'http' | 'https', what: string): Promise<Listener> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        new CliError(
          err.code === 'EADDRINUSE'
            ? `${what} port ${port} on ${host} is already in use: stop whatever holds it, or choose another port (0 picks a free one)`
            : `${what} cannot listen on ${host}:${port}: ${err.message}`,
          EXIT.environment,
        ),
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  // Keep-alive sockets would hold close() open; track and end them.
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://${urlHost(host)}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

export interface HttpsOptions {
  host: string;
  port: number;
  mtls: MtlsMode;
  tls: TlsMaterial;
  what?: string;
  /** 'enforce' (the default): refuse a presented client certificate without clientAuth or with a weak key. */
  clientCertPolicy?: 'enforce' | 'off';
  /** Answers a request whose client certificate is refused (default: a 403 problem, not journalled). */
  refuse?: RequestListener;
  /** Told of each client certificate the handshake refused (expired, foreign, none, no clientAuth). */
  onHandshakeRefused?: (refusal: HandshakeRefusal) => void;
  /** The classes requests and responses are built as (a lean app's own: see http/lean-app.ts). */
  classes?: ServerClasses;
}

export type ServerClasses = Pick<http.ServerOptions, 'IncomingMessage' | 'ServerResponse'>;

/** The app, behind the client certificate policy: a refused certificate never reaches it. */
function guarded(app: RequestListener, opts: HttpsOptions): RequestListener {
  if (opts.mtls === 'none' || opts.clientCertPolicy === 'off') return app;
  const refuse = opts.refuse ?? answerCertRefusal;
  return (req, res) => (clientCertRefusal(req.socket) ? refuse(req, res) : app(req, res));
}

export function listenHttps(app: RequestListener, opts: HttpsOptions): Promise<Listener> {
  const server = https.createServer(
    {
      key: opts.tls.serverKey,
      cert: opts.tls.serverCert,
      ca: opts.tls.clientCa,
      requestCert: opts.mtls !== 'none',
      rejectUnauthorized: opts.mtls === 'need',
      minVersion: 'TLSv1.2',
      ...opts.classes,
    },
    guarded(app, opts),
  );
  // Node destroys the socket either way; the listener only reports why.
  const onRefused = opts.onHandshakeRefused;
  if (onRefused) {
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
      const refusal = handshakeCertRefusal(err, socket);
      if (refusal) onRefused(refusal);
    });
  }
  return bind(server, opts.host, opts.port, 'https', opts.what ?? 'HTTPS');
}

export function listenHttp(app: RequestListener, opts: { host: string; port: number; what?: string; classes?: ServerClasses }): Promise<Listener> {
  return bind(http.createServer({ ...opts.classes }, app), opts.host, opts.port, 'http', opts.what ?? 'HTTP');
}
