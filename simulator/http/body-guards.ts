// What every body must be before anything parses it: UTF-8 (the only charset the CDA's APIs use),
// no NUL, and JSON nested no deeper than any CDA message needs. Checked on the raw bytes, so a
// hostile body is refused with a 400/415 naming the rule before a parser or serialiser (the
// journal's included) ever recurses into it.
import { isUtf8 } from 'node:buffer';

/** The deepest JSON any CDA message needs is under 10 levels; 64 leaves room and bounds recursion. */
export const MAX_JSON_DEPTH = 64;

export interface BodyViolation {
  status: 400 | 415;
  code: string;
  field: string;
  detail: string;
}

const bad = (status: 400 | 415, code: string, field: string, detail: string): BodyViolation => ({ status, code, field, detail });

/** The charset a Content-Type names, if any: only UTF-8 is accepted. */
export function checkCharset(contentType: string | undefined): BodyViolation | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  if (!m || /^utf-?8$/i.test(m[1])) return undefined;
  return bad(415, 'UNSUPPORTED_CHARSET', 'Content-Type', `charset must be utf-8, not ${JSON.stringify(m[1].slice(0, 40))}`);
}

/** The raw body: valid UTF-8, no NUL (raw or, in JSON, escaped as \u0000), JSON no deeper than MAX_JSON_DEPTH. */
export function checkRawBody(buf: Buffer, json: boolean): BodyViolation | undefined {
  if (!isUtf8(buf)) return bad(400, 'INVALID_UTF8', 'body', 'must be valid UTF-8');
  if (buf.includes(0)) return bad(400, 'NUL_BYTE', 'body', 'must not contain a NUL byte');
  if (!json) return undefined;
  const scan = scanJson(buf);
  if (scan === 'nul') return bad(400, 'NUL_BYTE', 'body', 'must not contain a NUL character (\\u0000)');
  if (scan === 'deep') return bad(400, 'TOO_DEEP', 'body', `JSON must be nested at most ${MAX_JSON_DEPTH} levels deep`);
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }
const NUL_ESCAPE = Buffer.from('u0000');

/** One pass over the bytes, outside strings counting brackets, inside them looking for \u0000. */
function scanJson(buf: Buffer): 'ok' | 'deep' | 'nul' {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (inString) {
      if (b === BACKSLASH) {
        if (i + 6 <= buf.length && buf.compare(NUL_ESCAPE, 0, 5, i + 1, i + 6) === 0) return 'nul';
        i++; // the escaped character
      } else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (OPEN.has(b)) {
      if (++depth > MAX_JSON_DEPTH) return 'deep';
    } else if (CLOSE.has(b)) depth--;
  }
  return 'ok';
}

/** decodeURIComponent that answers undefined for bad %-encoding instead of throwing. */
export function decodeComponent(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
