// The soak's load: how long it lasts and how many finds a second it sends over time (constant, a
// ramp, or steps), parsed from the command line. Arrivals are an open model: the schedule says how
// many finds are due by each moment, whatever the provider has answered.
import { CliError, EXIT } from '../core/exit-codes.js';

export type RateProfile =
  | { kind: 'constant'; perSecond: number }
  | { kind: 'ramp'; from: number; to: number }
  | { kind: 'steps'; steps: { perSecond: number; forMs: number }[] };

export interface LoadProfile {
  durationMs: number;
  rate: RateProfile;
}

const usage = (option: string, given: string, rule: string) => new CliError(`${option} "${given}": ${rule}`, EXIT.usage);

/** `500ms`, `30s`, `10m`, `1h` (a bare number is seconds). */
export function parseDuration(text: string, option = '--duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m?.[2] ?? 's'];
  const ms = m ? Math.round(Number(m[1]) * unit!) : NaN;
  if (!(ms > 0)) throw usage(option, text, 'must be a positive duration: a number with s, m or h (30s, 10m, 1h)');
  return ms;
}

/** `20/s` (also `20`, `1200/m`). */
export function parseRate(text: string, option = '--rate'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m))?\s*$/.exec(text);
  const perSecond = m ? Number(m[1]) / (m[2] === 'm' ? 60 : 1) : NaN;
  if (!(perSecond > 0)) throw usage(option, text, 'must be a positive rate of finds, such as 20/s or 600/m');
  return perSecond;
}

/** `1/s..50/s`: from one rate to another, evenly over the duration. */
export function parseRamp(text: string, option = '--ramp'): RateProfile {
  const parts = text.split('..');
  if (parts.length !== 2) throw usage(option, text, 'must be FROM..TO, such as 1/s..50/s');
  return { kind: 'ramp', from: parseRate(parts[0], option), to: parseRate(parts[1], option) };
}

/** `5/s:30s,20/s:1m`: each rate for its time, in order; the last holds to the end of --duration. */
export function parseSteps(text: string, option = '--steps'): RateProfile {
  const steps = text.split(',').map((step) => {
    const [rate, time, ...rest] = step.split(':');
    if (time === undefined || rest.length) throw usage(option, text, `each step must be RATE:DURATION, such as 5/s:30s (not "${step}")`);
    return { perSecond: parseRate(rate, option), forMs: parseDuration(time, option) };
  });
  return { kind: 'steps', steps };
}

export interface LoadArgs {
  duration?: string;
  rate?: string;
  ramp?: string;
  steps?: string;
}

/** What each load option is called where it is given (`cda-sim soak`'s own names by default). */
export type LoadOptionNames = Record<keyof LoadArgs, string>;
export const SOAK_LOAD_OPTIONS: LoadOptionNames = { duration: '--duration', rate: '--rate', ramp: '--ramp', steps: '--steps' };

/** One rate profile from the options; --duration defaults to the steps' total, else 1 minute. Errors name the options as given. */
export function loadProfileOf(a: LoadArgs, names: LoadOptionNames = SOAK_LOAD_OPTIONS): LoadProfile {
  const given = (['rate', 'ramp', 'steps'] as const).filter((k) => a[k] !== undefined);
  if (given.length > 1) throw new CliError(`${names[given[0]]} and ${names[given[1]]}: give one rate profile (${names.rate}, ${names.ramp} or ${names.steps})`, EXIT.usage);
  const rate: RateProfile = a.ramp !== undefined ? parseRamp(a.ramp, names.ramp) : a.steps !== undefined ? parseSteps(a.steps, names.steps) : { kind: 'constant', perSecond: parseRate(a.rate ?? '10/s', names.rate) };
  const stepsTotal = rate.kind === 'steps' ? rate.steps.reduce((n, s) => n + s.forMs, 0) : undefined;
  const durationMs = a.duration !== undefined ? parseDuration(a.duration, names.duration) : (stepsTotal ?? 60_000);
  return { durationMs, rate };
}

/** The rate asked for at a moment of the soak, finds a second. */
export function rateAt(p: LoadProfile, elapsedMs: number): number {
  const r = p.rate;
  if (r.kind === 'constant') return r.perSecond;
  if (r.kind === 'ramp') return r.from + (r.to - r.from) * Math.min(1, Math.max(0, elapsedMs / p.durationMs));
  let start = 0;
  for (const s of r.steps) {
    if (elapsedMs < start + s.forMs) return s.perSecond;
    start += s.forMs;
  }
  return r.steps[r.steps.length - 1].perSecond;
}

/** How many finds are due by this moment: the integral of the rate from the start (capped at the duration). */
export function arrivalsBy(p: LoadProfile, elapsedMs: number): number {
  const t = Math.min(Math.max(0, elapsedMs), p.durationMs) / 1000;
  const r = p.rate;
  if (r.kind === 'constant') return r.perSecond * t;
  if (r.kind === 'ramp') {
    const slope = (r.to - r.from) / (p.durationMs / 1000);
    return r.from * t + (slope * t * t) / 2;
  }
  let due = 0;
  let start = 0;
  for (const [i, s] of r.steps.entries()) {
    const last = i === r.steps.length - 1;
    const span = last ? Math.max(0, t - start) : Math.min(Math.max(0, t - start), s.forMs / 1000);
    due += s.perSecond * span;
    start += s.forMs / 1000;
    if (t <= start) break;
  }
  return due;
}

/** In words, for the reports: `20/s for 10m`, `1/s rising to 50/s over 10m`, `5/s for 30s, then 20/s`. */
export function describeLoad(p: LoadProfile): string {
  const rate = (n: number) => `${Number(n.toFixed(2))}/s`;
  const r = p.rate;
  const over = humanDuration(p.durationMs);
  if (r.kind === 'constant') return `${rate(r.perSecond)} for ${over}`;
  if (r.kind === 'ramp') return `${rate(r.from)} rising to ${rate(r.to)} over ${over}`;
  return `${r.steps.map((s) => `${rate(s.perSecond)} for ${humanDuration(s.forMs)}`).join(', then ')} (${over} in all)`;
}

export function humanDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
