// The `cda-sim` command line: one file per command under commands/, listed in command-list.ts and
// imported only when it is the command being run.
import yargs, { type Argv } from 'yargs';
import { outcome } from './command.js';
import { CliError, EXIT } from '../core/exit-codes.js';
import { packageVersion } from '../core/paths.js';
import { didYouMean } from '../core/did-you-mean.js';
import { commandFor, COMMANDS, commandName } from './command-list.js';

/** A number option given something that is not a number parses as NaN: a usage error, like any other bad value. */
function refuseNaN(argv: Record<string, unknown>): void {
  // yargs keeps each option under its dashed and its camel-case name: report the dashed one.
  const bad = Object.keys(argv).find((k) => !/[A-Z]/.test(k) && typeof argv[k] === 'number' && Number.isNaN(argv[k]));
  if (bad) throw new CliError(`--${bad}: must be a number`, EXIT.usage);
}

/** yargs' "Unknown argument(s): a, b" with a did-you-mean for each: the nearest option of the command, or the nearest command. */
function withSuggestions(msg: string, y: Argv, argv: string[]): string {
  const m = /^Unknown arguments?: (.+)$/.exec(msg);
  if (!m) return msg;
  // The instance's options are those of the command being parsed (yargs builds each command on it).
  const optionKeys = (y as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key;
  const known = Object.keys(optionKeys).filter((k) => k !== '$0' && !/[A-Z]/.test(k));
  const commands = COMMANDS.map(commandName);
  // yargs names an option without its dashes: give it back as it was typed.
  const typed = (word: string) => argv.find((a) => [`--${word}`, `--no-${word}`, `-${word}`].includes(a.replace(/=.*/, '')))?.replace(/=.*/, '');
  const words = m[1].split(', ');
  // yargs names an unknown option twice, dashed and camel-cased: keep the one typed.
  const dashed = (w: string) => w.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const unknown = words.filter((w) => !/[A-Z]/.test(w) || !words.includes(dashed(w)));
  const options = unknown.filter((w) => typed(w)).map((w) => {
    const near = didYouMean(w, known);
    return `${typed(w)}${near ? ` (did you mean --${near}?)` : ''}`;
  });
  // With no command named, a stray word is a misspelt command; after one, an extra argument.
  const named = !!commandFor(argv);
  const positionals = unknown.filter((w) => !typed(w)).map((w) => {
    const near = named ? undefined : didYouMean(w, commands);
    return `${w}${near ? ` (did you mean ${near}?)` : ''}`;
  });
  const list = (what: string, items: string[]) => (items.length ? [`unknown ${what}${items.length > 1 ? 's' : ''}: ${items.join(', ')}`] : []);
  return (named ? list('argument', [...options, ...positionals]) : [...list('command', positionals), ...list('argument', options)]).join('; ');
}

export async function main(argv: string[]): Promise<number> {
  outcome.code = EXIT.ok;
  const asked = commandFor(argv);
  try {
    let cli = yargs(argv)
      .scriptName('cda-sim')
      .usage('$0 <command> [options]\n\nA local stand-in for the Pensions Dashboards central digital architecture (CDA).');
    // The command asked for is loaded in full; the others are listed by name and description only.
    for (const entry of COMMANDS) cli = cli.command(entry === asked ? await entry.load() : { command: entry.command, describe: entry.describe, handler: () => {} });
    await cli
      .demandCommand(1, 'Name a command; `cda-sim --help` lists them.')
      .strict()
      .middleware(refuseNaN, true)
      .version(packageVersion())
      .alias('v', 'version')
      .help()
      .alias('h', 'help')
      .wrap(Math.min(120, process.stdout.columns ?? 100))
      // Throwing here stops yargs before the command runs: a usage error touches nothing.
      .fail((msg, err) => {
        throw err ?? new CliError(`${withSuggestions(msg, cli, argv)}\nRun \`cda-sim --help\` for the commands and options.`, EXIT.usage);
      })
      .parseAsync();
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    console.error(`cda-sim: ${err.message}`);
    return err.exitCode;
  }
  return outcome.code;
}
