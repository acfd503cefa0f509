// `CDA_SIM_*` environment variables as option values: each command reads only the variables that
// name one of its own options (`--https-port` ← CDA_SIM_HTTPS_PORT), so a variable meant for
// another command, or one cda-sim sets for the commands it runs (CDA_SIM_UPDATE_FILE for
// --apply-updates), never breaks a nested `cda-sim` call. Precedence: a flag on the command line,
// then the variable, then the config file (where the command reads one), then the default.
import type { Argv } from 'yargs';
import { CliError, EXIT } from '../core/exit-codes.js';

export const ENV_PREFIX = 'CDA_SIM_';

/**
 * Variables cda-sim sets for the commands it runs (`--apply-updates`, `--submit-reporting`): read by
 * those commands on purpose, never taken as an option value.
 */
export const CHILD_VARIABLES = ['CDA_SIM_UPDATE_FILE', 'CDA_SIM_UPDATE_FILE_CSV', 'CDA_SIM_REPORTING_DAY', 'CDA_SIM_REPORTING_URL', 'CDA_SIM_RUN_ID', 'CDA_SIM_RUN_DIR'] as const;

/** Options never set from the environment: they are not settings. */
const NOT_SETTINGS = new Set(['help', 'version']);

export function envName(option: string): string {
  return `${ENV_PREFIX}${option.replace(/-/g, '_').toUpperCase()}`;
}

interface YargsOptions {
  key: Record<string, unknown>;
  boolean: string[];
  number: string[];
  array: string[];
  choices: Record<string, unknown[]>;
}

/** The value of one variable, typed as its option: a bad one is a usage error naming the variable. */
function valueOf(name: string, raw: string, option: string, o: YargsOptions): unknown {
  const bad = (rule: string) => new CliError(`${name} (for --${option}): ${rule}, not ${JSON.stringify(raw)}`, EXIT.usage);
  let value: unknown = raw;
  if (o.boolean.includes(option)) {
    if (!/^(true|false|1|0)$/i.test(raw)) throw bad('must be true or false');
    value = /^(true|1)$/i.test(raw);
  } else if (o.number.includes(option)) {
    if (raw.trim() === '' || !Number.isFinite(Number(raw))) throw bad('must be a number');
    value = Number(raw);
  }
  if (o.array.includes(option)) value = raw.split(/\s+/).filter(Boolean);
  const choices = o.choices[option];
  if (choices?.length) for (const v of [value].flat()) if (!choices.includes(v)) throw bad(`must be one of ${choices.join(', ')}`);
  return value;
}

/** Give each of the command's options its `CDA_SIM_*` variable, when set, as its default: a flag still wins. */
export function withEnvironment<T>(y: Argv<T>, command: string | string[], env: NodeJS.ProcessEnv = process.env): Argv<T> {
  const o = (y as unknown as { getOptions(): YargsOptions }).getOptions();
  // Positional arguments (`provider [action] [file]`) are what the command is told to do, not settings.
  const positionals = new Set([command].flat().flatMap((c) => [...c.matchAll(/[<[]([\w-]+)[\]>]/g)].map((m) => m[1])));
  const child = new Set<string>(CHILD_VARIABLES);
  for (const option of Object.keys(o.key)) {
    // yargs also keeps each option under its camel-case name: the dashed one names the variable.
    if (/[A-Z]/.test(option) || NOT_SETTINGS.has(option) || positionals.has(option)) continue;
    const name = envName(option);
    const raw = env[name];
    if (raw === undefined || child.has(name)) continue;
    y.default(option, valueOf(name, raw, option, o));
  }
  return y;
}
