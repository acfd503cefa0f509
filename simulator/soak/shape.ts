// What a soak sends and how it is judged, from the command line: the load profile, the thresholds,
// the background fault mix and the in-flight bound. `cda-sim soak` and `cda-sim rehearse --soak`
// parse them here alike; each names the options as its own command calls them.
import { CliError, EXIT } from '../core/exit-codes.js';
import { loadProfileOf, type LoadArgs, type LoadProfile } from './load-profile.js';
import { parseThresholds, type Threshold } from './thresholds.js';
import { parseFaultMix, type FaultShare } from './fault-mix.js';

export interface SoakShape {
  load: LoadProfile;
  thresholds: Threshold[];
  faultMix?: { asked: string; shares: FaultShare[] };
  maxInFlight?: number;
  /** The options as given: a run records them, and a replay parses them again. */
  asked: SoakShapeArgs;
}

export interface SoakShapeArgs extends LoadArgs {
  slo?: string[];
  faultMix?: string;
  maxInFlight?: number;
}

export type SoakOptionNames = Record<keyof SoakShapeArgs, string>;

export const SOAK_OPTIONS: SoakOptionNames = { duration: '--duration', rate: '--rate', ramp: '--ramp', steps: '--steps', slo: '--slo', faultMix: '--fault-mix', maxInFlight: '--max-in-flight' };
/** `rehearse`: the soak phase's options, `--soak DURATION` turning it on. */
export const REHEARSE_SOAK_OPTIONS: SoakOptionNames = { duration: '--soak', rate: '--soak-rate', ramp: '--soak-ramp', steps: '--soak-steps', slo: '--soak-slo', faultMix: '--soak-fault-mix', maxInFlight: '--soak-max-in-flight' };

/** Every soak option checked (a bad one is a usage error naming it), before anything starts. */
export function soakShapeOf(a: SoakShapeArgs, names: SoakOptionNames = SOAK_OPTIONS): SoakShape {
  const load = loadProfileOf(a, names);
  const thresholds = parseThresholds(a.slo, names.slo);
  const shares = parseFaultMix(a.faultMix, names.faultMix);
  const maxInFlight = a.maxInFlight;
  if (maxInFlight !== undefined && !(Number.isInteger(maxInFlight) && maxInFlight >= 1)) throw new CliError(`${names.maxInFlight}: must be a whole number of at least 1, not ${maxInFlight}`, EXIT.usage);
  return { load, thresholds, faultMix: { asked: a.faultMix ?? '', shares }, maxInFlight, asked: a };
}

/** Soak options read from a file (a bundle's options.json): each of the right type, then parsed as given on the command line. */
export function recordedSoakShape(v: unknown, names: SoakOptionNames = REHEARSE_SOAK_OPTIONS): SoakShape {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  for (const k of ['duration', 'rate', 'ramp', 'steps', 'faultMix'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw new CliError(`${names[k]}: must be text, not ${JSON.stringify(o[k])}`, EXIT.usage);
  }
  if (o.slo !== undefined && !(Array.isArray(o.slo) && o.slo.every((x) => typeof x === 'string'))) throw new CliError(`${names.slo}: must be a list of thresholds`, EXIT.usage);
  if (o.maxInFlight !== undefined && typeof o.maxInFlight !== 'number') throw new CliError(`${names.maxInFlight}: must be a number`, EXIT.usage);
  if (o.duration === undefined) throw new CliError(`${names.duration}: a soak needs its duration`, EXIT.usage);
  return soakShapeOf(o as SoakShapeArgs, names);
}
