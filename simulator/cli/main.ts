// The `cda-sim` command line: one file per command under commands/, wired here.
import yargs from 'yargs';
import { outcome } from './command.js';
import { CliError, EXIT } from './exit-codes.js';
import { packageVersion } from '../core/paths.js';
import { startCommand } from './commands/start.js';
import { certsCommand } from './commands/certs.js';
import { tokenCommand } from './commands/token.js';
import { resetCommand } from './commands/reset.js';
import { journalCommand } from './commands/journal.js';
import { usersCommand } from './commands/users.js';
import { rehearseCommand } from './commands/rehearse.js';
import { initCommand } from './commands/init.js';
import { providerCommand } from './commands/provider.js';
import { reportingCommand } from './commands/reporting.js';
import { stage2Command } from './commands/stage2.js';
import { testdataCommand } from './commands/testdata.js';
import { runsCommand } from './commands/runs.js';
import { exportCommand } from './commands/export.js';
import { inspectCommand } from './commands/inspect.js';
import { replayCommand } from './commands/replay.js';

/** A number option given something that is not a number parses as NaN: a usage error, like any other bad value. */
function refuseNaN(argv: Record<string, unknown>): void {
  // yargs keeps each option under its dashed and its camel-case name: report the dashed one.
  const bad = Object.keys(argv).find((k) => !/[A-Z]/.test(k) && typeof argv[k] === 'number' && Number.isNaN(argv[k]));
  if (bad) throw new CliError(`--${bad}: must be a number`, EXIT.usage);
}

export async function main(argv: string[]): Promise<number> {
  outcome.code = EXIT.ok;
  try {
    await yargs(argv)
      .scriptName('cda-sim')
      .usage('$0 <command> [options]\n\nA local stand-in for the Pensions Dashboards central digital architecture (CDA).')
      .command(rehearseCommand)
      .command(stage2Command)
      .command(testdataCommand)
      .command(startCommand)
      .command(providerCommand)
      .command(initCommand)
      .command(reportingCommand)
      .command(certsCommand)
      .command(tokenCommand)
      .command(usersCommand)
      .command(resetCommand)
      .command(journalCommand)
      .command(runsCommand)
      .command(exportCommand)
      .command(inspectCommand)
      .command(replayCommand)
      .demandCommand(1, 'Name a command; `cda-sim --help` lists them.')
      .strict()
      .middleware(refuseNaN, true)
      .version(packageVersion())
      .help()
      .wrap(Math.min(120, process.stdout.columns ?? 100))
      // Throwing here stops yargs before the command runs: a usage error touches nothing.
      .fail((msg, err) => {
        throw err ?? new CliError(`${msg}\nRun \`cda-sim --help\` for the commands and options.`, EXIT.usage);
      })
      .parseAsync();
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    console.error(`cda-sim: ${err.message}`);
    return err.exitCode;
  }
  return outcome.code;
}
