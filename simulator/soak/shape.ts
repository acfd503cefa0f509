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
  return { load, thresholds, faultMix: { asked: a.faultMix ?? '', shares }, maxInFlight };
}
