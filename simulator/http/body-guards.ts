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
const NUL_ESCAPE = Buffer.from('\\u0000');

/** What each byte means to the scan: most bytes mean nothing, so the loop does one table load each. */
const OTHER = 0;
const IS_QUOTE = 1;
const IS_BACKSLASH = 2;
const IS_OPEN = 3;
const IS_CLOSE = 4;
const BYTE_CLASS = new Uint8Array(256);
BYTE_CLASS[QUOTE] = IS_QUOTE;
BYTE_CLASS[BACKSLASH] = IS_BACKSLASH;
BYTE_CLASS[0x5b] = BYTE_CLASS[0x7b] = IS_OPEN; // [ {
BYTE_CLASS[0x5d] = BYTE_CLASS[0x7d] = IS_CLOSE; // ] }

/**
 * Outside strings count brackets, inside them look for \u0000. Hot (a 1 MiB reporting body is
 * scanned on every call): the escape is looked for natively first, and a body without it (nearly
 * every one) is only measured for depth, skipping each string with a native search for its end.
 */
function scanJson(buf: Buffer): 'ok' | 'deep' | 'nul' {
  return buf.indexOf(NUL_ESCAPE) >= 0 ? scanBytes(buf) : depthOutsideStrings(buf);
}

/** One pass over the bytes, outside strings counting brackets, inside them looking for \u0000. */
function scanBytes(buf: Buffer): 'ok' | 'deep' | 'nul' {
  let depth = 0;
  let inString = false;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const kind = BYTE_CLASS[buf[i]];
    if (kind === OTHER) continue;
    if (inString) {
      if (kind === IS_BACKSLASH) {
        if (i + 6 <= n && buf.compare(NUL_ESCAPE, 0, 6, i, i + 6) === 0) return 'nul';
        i++; // the escaped character
      } else if (kind === IS_QUOTE) inString = false;
    } else if (kind === IS_QUOTE) inString = true;
    else if (kind === IS_OPEN) {
      if (++depth > MAX_JSON_DEPTH) return 'deep';
    } else if (kind === IS_CLOSE) depth--;
  }
  return 'ok';
}

/** The same verdict as scanBytes for a body holding no \u0000: brackets counted, strings jumped over. */
function depthOutsideStrings(buf: Buffer): 'ok' | 'deep' {
  let depth = 0;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const kind = BYTE_CLASS[buf[i]];
    if (kind === IS_QUOTE) {
      const end = closingQuote(buf, i);
      if (end < 0) return 'ok'; // the rest is inside an unterminated string
      i = end;
    } else if (kind === IS_OPEN) {
      if (++depth > MAX_JSON_DEPTH) return 'deep';
    } else if (kind === IS_CLOSE) depth--;
  }
  return 'ok';
}

/** Where the string opened at `open` ends: the first quote after it not escaped by an odd run of backslashes; -1 if none. */
function closingQuote(buf: Buffer, open: number): number {
  for (let q = buf.indexOf(QUOTE, open + 1); q >= 0; q = buf.indexOf(QUOTE, q + 1)) {
    let before = q - 1;
    while (buf[before] === BACKSLASH) before--; // stops at the opening quote at the latest
    if ((q - 1 - before) % 2 === 0) return q;
  }
  return -1;
}

/** decodeURIComponent that answers undefined for bad %-encoding instead of throwing. */
export function decodeComponent(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
