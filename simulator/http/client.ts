// An outbound HTTP(S) client with client-certificate support, used wherever cda-sim calls a
// provider. Every exchange is journalled (direction "out") when a journal is given, including
// failures to connect, so the evidence shows what was attempted.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Journal } from '../store/journal.js';

export interface TlsClientOptions {
  /** CA certificates to trust for the server (PEM). Omit to use the system store. */
  ca?: string | string[];
  cert?: string;
  key?: string;
  /** Off only for explicitly insecure local setups. */
  rejectUnauthorized?: boolean;
}

/**
 * Keep-alive agents, one per TLS identity (trust + client certificate), so repeated calls to a
 * provider reuse connections as a real CDA service would, instead of a TLS handshake per call.
 */
const agents = new Map<string, http.Agent>();
/** The agent of each options object already seen: a busy caller (a soak) skips building the key. */
const agentOfOptions = new WeakMap<TlsClientOptions, http.Agent>();
function agentFor(isHttps: boolean, t: TlsClientOptions | undefined): http.Agent {
  const known = isHttps && t ? agentOfOptions.get(t) : undefined;
  if (known) return known;
  const key = `${isHttps}|${[t?.ca].flat().join('')}|${t?.cert ?? ''}|${t?.key ?? ''}|${t?.rejectUnauthorized ?? true}`;
  let agent = agents.get(key);
  if (!agent) {
    // One secure context per identity, made once: parsing the trusted roots and the key again for
    // every new connection costs more than the handshake itself.
    const secureContext = isHttps ? tls.createSecureContext({ ca: t?.ca, cert: t?.cert, key: t?.key, minVersion: 'TLSv1.2' }) : undefined;
    agent = isHttps
      ? new https.Agent({ keepAlive: true, maxSockets: 64, secureContext, rejectUnauthorized: t?.rejectUnauthorized ?? true, minVersion: 'TLSv1.2' })
      : new http.Agent({ keepAlive: true, maxSockets: 64 });
    agents.set(key, agent);
  }
  if (isHttps && t) agentOfOptions.set(t, agent);
  return agent;
}

export interface CallOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The value `body` is the JSON of, when the caller has it: the journal keeps it without parsing the body again. */
  bodyValue?: unknown;
  tls?: TlsClientOptions;
  timeoutMs?: number;
  journal?: Journal;
  role?: string;
  tags?: Record<string, string>;
  now?: () => number;
  /** A fresh connection for this call (e.g. to test a handshake), instead of a pooled one. */
  freshConnection?: boolean;
}

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  json?: unknown;
  durationMs: number;
  startedAt: number;
}

export class CallFailed extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly durationMs: number,
  ) {
    super(message);
  }
}

function flat(h: http.IncomingHttpHeaders | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

function parse(text: string, contentType = ''): unknown {
  if (!/json/.test(contentType)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function call(opts: CallOptions): Promise<CallResult> {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const url = new URL(opts.url);
  const isHttps = url.protocol === 'https:';
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
  const record = (status: number, responseHeaders: Record<string, string>, text: string, error?: string) => {
    opts.journal?.record({
      time: new Date(startedAt).toISOString(),
      direction: 'out',
      role: opts.role ?? 'client',
      method: opts.method,
      url: opts.url,
      path: url.pathname,
      requestId: headers['X-Request-ID'] ?? headers['x-request-id'],
      requestHeaders: flat(headers),
      requestBody: opts.body === undefined ? undefined : (opts.bodyValue ?? parse(String(opts.body), headers['Content-Type'] ?? headers['content-type']) ?? String(opts.body)),
      status,
      responseHeaders,
      responseBody: parse(text, responseHeaders['content-type']) ?? (text || undefined),
      durationMs: elapsed(),
      ...(opts.tags ? { tags: opts.tags } : {}),
      ...(error ? { error } : {}),
    });
  };
  return new Promise((resolve, reject) => {
    const lib = isHttps ? https : http;
    const req = lib.request(
      url,
      {
        method: opts.method,
        headers,
        agent: opts.freshConnection ? false : agentFor(isHttps, opts.tls),
        timeout: opts.timeoutMs ?? 30000,
        ...(isHttps && opts.freshConnection
          ? { ca: opts.tls?.ca, cert: opts.tls?.cert, key: opts.tls?.key, rejectUnauthorized: opts.tls?.rejectUnauthorized ?? true, minVersion: 'TLSv1.2' as const }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const responseHeaders = flat(res.headers);
          record(res.statusCode ?? 0, responseHeaders, text);
          resolve({ status: res.statusCode ?? 0, headers: responseHeaders, text, json: parse(text, responseHeaders['content-type']), durationMs: elapsed(), startedAt });
        });
        res.on('error', (err) => {
          record(res.statusCode ?? 0, flat(res.headers), '', err.message);
          reject(new CallFailed(err.message, 'RESPONSE_ERROR', elapsed()));
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no response within ${opts.timeoutMs ?? 30000} ms`), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const message = `${opts.method} ${opts.url}: ${err.message}`;
      record(0, {}, '', message);
      reject(new CallFailed(message, err.code ?? 'ERROR', elapsed()));
    });
    // Headers and body leave in one write.
    req.end(opts.body);
  });
}
