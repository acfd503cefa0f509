// The OpenAPI pipeline's date-time format answers at once for timestamps in the CDA's own pattern
// and asks ajv-formats about the rest: its verdicts must be ajv-formats' own, for every string.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { createRequire } from 'node:module';
import { loadApi } from '../simulator/http/spec-app.js';
import { openapiDir } from '../simulator/core/paths.js';
import { isCalendarDateTime } from '../simulator/core/date-time.js';

const require = createRequire(import.meta.url);
const ajvFormats = require('ajv-formats') as { get(name: string): { validate: (s: string) => boolean } };
const library = ajvFormats.get('date-time').validate;

/** Timestamps the CDA's pattern takes, and near misses either side of every rule both judges. */
const EDGES = [
  '2026-05-01T00:00:00.000Z', '2026-05-01T23:59:59Z', '2026-05-01T12:00:00+01:00', '2026-05-01T12:00:00-23:59',
  '2024-02-29T00:00:00Z', '2026-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2026-04-31T00:00:00Z',
  '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-05-00T00:00:00Z', '2026-05-01T24:00:00Z', '2026-05-01T12:60:00Z',
  '2026-05-01T23:59:60Z', '2026-05-01T22:59:60-01:00', '2026-05-01T12:00:61Z', '2026-05-01t12:00:00z', '2026-05-01 12:00:00Z',
  '2026-05-01T12:00:00', '2026-05-01T12:00:00+2400', '2026-05-01T12:00:00+24:00', '2026-05-01T12:00:00+01:60', '2026-05-01T12:00:00.Z',
  '2026-5-01T12:00:00Z', '2026-05-01T12:00Z', '20260501T120000Z', '', 'T', 'not a date', '2026-05-01T12:00:00.123456789+05:30',
];

/** A random string shaped like a timestamp, each part sometimes out of range or malformed. */
function shaped(rand: () => number): string {
  const two = () => String(Math.floor(rand() * (rand() < 0.8 ? 32 : 100))).padStart(2, '0');
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  return `${pick(['2024', '2026', '1900', '2000', '0000'])}-${two()}-${two()}${pick(['T', 't', ' ', 'X'])}${two()}:${two()}:${two()}${pick(['', '.5', '.000'])}${pick(['Z', 'z', '', `+${two()}:${two()}`, `-${two()}${two()}`])}`;
}

/** A small seeded generator, so a failure names strings that can be tried again. */
function seeded(seed: number): () => number {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

interface Compiler {
  compile(schema: object): (x: unknown) => boolean;
}

async function pipelineAjv(doc: string): Promise<Compiler> {
  const api = await loadApi(path.join(openapiDir, doc));
  return api.validator.getAjv('requestBodyValidator' as Parameters<typeof api.validator.getAjv>[0]) as unknown as Compiler;
}

for (const doc of ['reporting.yaml', 'admin.yaml']) {
  test(`${doc}: the pipeline's date-time verdicts are ajv-formats' own`, async () => {
    const validate = (await pipelineAjv(doc)).compile({ type: 'string', format: 'date-time' });
    const rand = seeded(13);
    const strings = [...EDGES, ...Array.from({ length: 20_000 }, () => shaped(rand))];
    const differ = strings.filter((s) => validate(s) !== library(s));
    assert.equal(differ.slice(0, 5), [], `${differ.length} strings judged differently`);
    // Both ways are exercised: timestamps the fast path takes, and ones only ajv-formats decides.
    assert.ok(strings.some((s) => isCalendarDateTime(s)));
    assert.ok(strings.some((s) => !isCalendarDateTime(s) && library(s)), 'a timestamp only ajv-formats accepts (e.g. a leap second)');
  });
}

test('every timestamp the CDA pattern accepts, ajv-formats accepts too (what the fast path relies on)', () => {
  const rand = seeded(7);
  const accepted = Array.from({ length: 50_000 }, () => shaped(rand)).filter(isCalendarDateTime);
  assert.ok(accepted.length > 200, `only ${accepted.length} generated timestamps were valid`);
  assert.equal(accepted.filter((s) => !library(s)).slice(0, 5), []);
});

/** The check as its documentation states it: the harness's regex, then the calendar from Date itself. */
function reference(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(y, mo, 0); // day 0 of the next month: the month's last day
  const offsetOk = m[8] === 'Z' || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= lastDay.getUTCDate() && h <= 23 && mi <= 59 && sec <= 59 && offsetOk;
}

test('the check judges as the harness\'s regex and the calendar from Date do', () => {
  const rand = seeded(29);
  const mutate = (s: string) => {
    const at = Math.floor(rand() * (s.length + 1));
    const c = '0123456789-:T.Z+z '[Math.floor(rand() * 18)];
    return [s.slice(0, at) + c + s.slice(at + 1), s.slice(0, at) + c + s.slice(at), s.slice(0, at) + s.slice(at + 1)][Math.floor(rand() * 3)];
  };
  const strings = [...EDGES, ...Array.from({ length: 30_000 }, () => shaped(rand)), ...Array.from({ length: 30_000 }, () => mutate(mutate(shaped(rand))))];
  const differ = strings.filter((s) => isCalendarDateTime(s) !== reference(s));
  assert.equal(differ.slice(0, 5), [], `${differ.length} strings judged differently`);
  assert.ok(strings.filter(reference).length > 200, 'enough valid timestamps among them');
});

test.run();
