// The `cda-sim` command line: one file per command under commands/, wired here.
import yargs from 'yargs';
import { outcome } from './command.js';
import { EXIT } from './exit-codes.js';
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

export async function main(argv: string[]): Promise<number> {
  outcome.code = EXIT.ok;
  let usageError = false;
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
    .env('CDA_SIM')
    .version(packageVersion())
    .help()
    .wrap(Math.min(120, process.stdout.columns ?? 100))
    .fail((msg, err, y) => {
      if (err) throw err;
      usageError = true;
      console.error(y.help() && `cda-sim: ${msg}\nRun \`cda-sim --help\` for the commands and options.`);
    })
    .parseAsync();
  return usageError ? EXIT.usage : outcome.code;
}
