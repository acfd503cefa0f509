// RFC 3339 date-times as the CDA's APIs write them: the MaPS harness's pattern (fractional seconds
// optional, any offset, upper-case T and Z) and a real calendar date and time (no Feb 30, no hour
// 25, no leap second). The reporting rules judge timestamps with it, and the OpenAPI pipeline uses
// it as the fast path of ajv's date-time format, which accepts every string it accepts.

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The digits at s[from, from + len) as a number, without a substring. */
const num = (s: string, from: number, len: number) => {
  let n = 0;
  for (let i = from; i < from + len; i++) n = n * 10 + s.charCodeAt(i) - 48;
  return n;
};

/** The pattern, and a real calendar date and time. Hot: one call per timestamp, and it allocates nothing. */
export function isCalendarDateTime(x: string): boolean {
  if (!DATE_TIME.test(x)) return false;
  const y = num(x, 0, 4);
  const mo = num(x, 5, 2);
  const d = num(x, 8, 2);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1])) return false;
  if (num(x, 11, 2) > 23 || num(x, 14, 2) > 59 || num(x, 17, 2) > 59) return false;
  const last = x.charCodeAt(x.length - 1);
  if (last !== 90 /* Z */ && (num(x, x.length - 5, 2) > 23 || num(x, x.length - 2, 2) > 59)) return false;
  return true;
}
