// Service-level thresholds, written as k6 writes them: `find-ack:p99<2s`, `availability>99.5%`,
// `slow-views<=0`. Each is judged against the soak's figures and becomes one test case (and so one
// JUnit case); a breach fails the run.
import { CliError, EXIT } from '../core/exit-codes.js';
import type { TestCaseResult } from '../scenarios/types.js';
import type { SoakFigures, StageFigures } from '../scenarios/soak-figures.js';
import { STAGES, type StageName } from '../scenarios/soak-figures.js';

export const STATS = ['p50', 'p90', 'p99', 'p99.9', 'max', 'mean', 'error-rate'] as const;
export type Stat = (typeof STATS)[number];
/** Figures of the whole soak, not of one stage. */
export const RUN_METRICS = ['availability', 'slow-views', 'error-rate', 'errors'] as const;
export type RunMetric = (typeof RUN_METRICS)[number];
type Op = '<' | '<=' | '>' | '>=';

export interface Threshold {
  text: string;
  metric: StageName | RunMetric;
  stat?: Stat;
  op: Op;
  /** ms for latencies, a share 0–1 for rates, a count otherwise. */
  value: number;
}

/** PDP's figure when none is given: finds and views available at least 99.5% of the time (Code of Connection 2.1.5). */
export const DEFAULT_THRESHOLDS = ['availability>=99.5%'];

const bad = (option: string, text: string, rule: string) => new CliError(`${option} "${text}": ${rule}`, EXIT.usage);
const SHAPE = 'must be METRIC[:STAT] OP VALUE, such as find-ack:p99<2s, availability>99.5% or slow-views<=0';

function valueOf(option: string, text: string, raw: string, kind: 'latency' | 'share' | 'count'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|%)?$/.exec(raw);
  if (!m) throw bad(option, text, `the value "${raw}" is not a number${kind === 'latency' ? ' of ms or s (2s, 500ms)' : kind === 'share' ? ' of percent (99.5%)' : ''}`);
  const n = Number(m[1]);
  if (kind === 'latency') {
    if (m[2] === '%') throw bad(option, text, 'a latency is a time (2s, 500ms), not a percentage');
    return n * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1);
  }
  if (kind === 'share') {
    if (m[2] !== '%') throw bad(option, text, 'a rate is a percentage (99.5%, 1%)');
    if (n > 100) throw bad(option, text, 'a percentage is at most 100%');
    return n / 100;
  }
  if (m[2]) throw bad(option, text, 'a count is a plain number (0, 5)');
  return n;
}

/** One threshold; errors name the option it was given with (`--slo`, or `rehearse --soak-slo`). */
export function parseThreshold(text: string, option = '--slo'): Threshold {
  const m = /^\s*([a-z-]+)(?::([a-z0-9.-]+))?\s*(<=|>=|<|>)\s*(\S+)\s*$/.exec(text);
  if (!m) throw bad(option, text, SHAPE);
  const [, metric, stat, op, raw] = m;
  if ((RUN_METRICS as readonly string[]).includes(metric)) {
    if (stat) throw bad(option, text, `${metric} is a figure of the whole soak: it takes no :${stat}`);
    const kind = metric === 'availability' || metric === 'error-rate' ? 'share' : 'count';
    return { text, metric: metric as RunMetric, op: op as Op, value: valueOf(option, text, raw, kind) };
  }
  if (!(STAGES as readonly string[]).includes(metric)) throw bad(option, text, `unknown metric "${metric}": one of ${[...RUN_METRICS, ...STAGES].join(', ')}`);
  if (!stat) throw bad(option, text, `${metric} needs a statistic: ${metric}:p99<2s (one of ${STATS.join(', ')})`);
  if (!(STATS as readonly string[]).includes(stat)) throw bad(option, text, `unknown statistic "${stat}": one of ${STATS.join(', ')}`);
  return { text, metric: metric as StageName, stat: stat as Stat, op: op as Op, value: valueOf(option, text, raw, stat === 'error-rate' ? 'share' : 'latency') };
}

export function parseThresholds(texts: string[] | undefined, option = '--slo'): Threshold[] {
  return (texts?.length ? texts : DEFAULT_THRESHOLDS).map((t) => parseThreshold(t, option));
}

function stageStat(s: StageFigures, stat: Stat): number | undefined {
  if (stat === 'error-rate') return s.count ? s.errors / s.count : undefined;
  if (s.ok === 0) return undefined;
  return { p50: s.p50, p90: s.p90, p99: s.p99, 'p99.9': s.p999, max: s.max, mean: s.mean }[stat];
}

/** The measured figure a threshold is about, in its unit; undefined when nothing was measured. */
export function measured(t: Threshold, f: SoakFigures): number | undefined {
  switch (t.metric) {
    case 'availability':
      return f.availability.total ? f.availability.share : undefined;
    case 'slow-views':
      return f.slowViews.count;
    case 'errors':
      return f.errors.total;
    case 'error-rate':
      return f.errors.rate;
    default:
      return stageStat(f.stages[t.metric], t.stat!);
  }
}

const holds = (v: number, op: Op, limit: number) => (op === '<' ? v < limit : op === '<=' ? v <= limit : op === '>' ? v > limit : v >= limit);

export function formatFigure(t: Pick<Threshold, 'metric' | 'stat'>, v: number): string {
  if (t.metric === 'availability' || t.metric === 'error-rate' || t.stat === 'error-rate') return `${Number((v * 100).toFixed(3))}%`;
  if (t.metric === 'slow-views' || t.metric === 'errors') return String(v);
  return v >= 1000 ? `${Number((v / 1000).toFixed(3))} s` : `${Number(v.toFixed(2))} ms`;
}

const RULES: Record<string, string> = {
  availability: 'Code of Connection 2.1.5: find and view services available at least 99.5% of each calendar month; here, the share of finds and views answered correctly in time',
  'slow-views': 'every view response slower than 10 s must be reported to PDP (reporting: /view-response/response-time)',
};

/** Judge each threshold: one test case each, in the soak phase. */
export function judgeThresholds(thresholds: Threshold[], f: SoakFigures, startedAt: string): TestCaseResult[] {
  return thresholds.map((t) => {
    const v = measured(t, f);
    const ok = v !== undefined && holds(v, t.op, t.value);
    const limit = `${t.op} ${formatFigure(t, t.value)}`;
    const reason = v === undefined ? `${t.text}: nothing was measured (no ${t.metric} answered), so it cannot hold` : `${t.metric}${t.stat ? ` ${t.stat}` : ''} was ${formatFigure(t, v)}; the threshold is ${limit}${ok ? '' : ': BREACHED'}`;
    return {
      id: t.text,
      title: `threshold ${t.text}`,
      rule: RULES[t.metric] ?? `the soak's threshold ${t.text}`,
      reference: RULES[t.metric] ? 'PDP Code of Connection; reporting standards' : 'cda-sim soak --slo',
      scenario: 'soak',
      phase: 'soak',
      verdict: ok ? 'pass' : 'fail',
      reasons: [reason],
      exchanges: [],
      startedAt,
      durationMs: 0,
    };
  });
}
