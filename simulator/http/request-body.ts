// Reading a request's body for the spec pipeline: at most 1 MiB (refused as it arrives, never
// buffered past the limit), decompressed within the same limit, checked by body-guards.ts on the
// raw bytes, then parsed as JSON or a form. Every refusal is an HttpProblem naming the rule.
import querystring from 'node:querystring';
import zlib from 'node:zlib';
import type { IncomingMessage } from 'node:http';
import { checkRawBody, type BodyViolation } from './body-guards.js';
import { HttpProblem } from './problems.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

const tooLarge = () => new HttpProblem('payload-too-large', [{ code: 'PAYLOAD_TOO_LARGE', field: 'body', detail: 'must be at most 1 MiB (1,048,576 bytes)' }]);
const invalid = (code: string, field: string, detail: string) => new HttpProblem('invalid-request', [{ code, field, detail }]);

/** A guard's violation as the problem the operation answers with. */
export function guardProblem(v: BodyViolation): HttpProblem {
  return new HttpProblem(v.status === 415 ? 'unsupported-media-type' : 'invalid-request', [{ code: v.code, field: v.field, detail: v.detail }]);
}

/** Whether the request carries a body at all (an explicit Content-Length: 0 counts, as an empty one). */
function carriesBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/** The raw bytes, refused with a 413 once they pass the limit (declared or as they arrive). */
function collect(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > BODY_LIMIT_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (err?: HttpProblem) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return; // past the limit: the rest is drained and dropped
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) return settle(tooLarge());
      chunks.push(chunk);
    });
    req.once('end', () => settle());
    req.once('error', () => settle(invalid('BODY_INCOMPLETE', 'body', 'the request ended before its body was complete')));
    req.once('close', () => settle(invalid('BODY_INCOMPLETE', 'body', 'the request ended before its body was complete')));
  });
}

/** The body after its Content-Encoding, decompressed to at most the limit. */
function decode(raw: Buffer, encoding: string): Buffer {
  const inflate = { gzip: zlib.gunzipSync, 'x-gzip': zlib.gunzipSync, deflate: zlib.inflateSync, br: zlib.brotliDecompressSync }[encoding];
  if (encoding === '' || encoding === 'identity') return raw;
  if (!inflate) throw new HttpProblem('unsupported-media-type', [{ code: 'UNSUPPORTED_ENCODING', field: 'Content-Encoding', detail: `must be gzip, deflate, br or identity, not ${JSON.stringify(encoding.slice(0, 40))}` }]);
  try {
    return inflate(raw, { maxOutputLength: BODY_LIMIT_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw tooLarge();
    throw invalid('INVALID_ENCODING', 'body', `is not valid ${encoding} data`);
  }
}

function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) return {};
  const text = buf.toString('utf8');
  // Only an object or an array, as express.json's strict mode.
  const first = /^[\s\uFEFF]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new HttpProblem('malformed-json', [{ code: 'MALFORMED_JSON', field: 'body', detail: 'is not valid JSON (a JSON object or array is required)' }]);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpProblem('malformed-json', [{ code: 'MALFORMED_JSON', field: 'body', detail: `is not valid JSON (${(err as Error).message})` }]);
  }
}

/** The body's bytes after its Content-Encoding, at most 1 MiB; refusals reject with an HttpProblem. */
export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  return decode(await collect(req), String(req.headers['content-encoding'] ?? '').trim().toLowerCase());
}

/** One read per request: a second caller (the compat layer reads before the pipeline) shares the first's outcome. */
const reads = new WeakMap<IncomingMessage, Promise<void>>();

/**
 * Read and parse the body into req.body: JSON for a JSON Content-Type, a form for
 * application/x-www-form-urlencoded; any other type is left unread (the pipeline answers 415).
 * Refusals reject with an HttpProblem; every caller of the same request gets the same outcome.
 */
export function readBody(req: IncomingMessage & { body?: unknown }): Promise<void> {
  let read = reads.get(req);
  if (!read) {
    read = parseInto(req);
    reads.set(req, read);
  }
  return read;
}

async function parseInto(req: IncomingMessage & { body?: unknown }): Promise<void> {
  const type = req.headers['content-type'] ?? '';
  const json = /json/i.test(type);
  if (!json && !/x-www-form-urlencoded/i.test(type)) return;
  if (!carriesBody(req)) return;
  const buf = await readRawBody(req);
  const violation = checkRawBody(buf, json);
  if (violation) throw guardProblem(violation);
  req.body = json ? parseJson(buf) : { ...querystring.parse(buf.toString('utf8'), '&', '=', { maxKeys: 1000 }) };
}
