// `cda-sim testdata`: export the integration test data pack for a provider to load into its system
// under test (the reference provider loads it by itself).
import { defineCommand } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';
import { loadTestData, TESTDATA_FILE } from '../../testdata/records.js';
import { loadTestUsers } from '../../testdata/users.js';
import { writeTestData, type ExportFormat } from '../../testdata/export.js';

export const testdataCommand = defineCommand({
  command: 'testdata',
  describe: 'Export the test data pack (users with find data, pension records with view data, expected outcomes) as JSON or CSV',
  builder: (y) =>
    y
      .option('format', { type: 'string', choices: ['json', 'csv'], default: 'json', describe: 'json: one file; csv: users.csv, records.csv, expectations.csv' })
      .option('out', { type: 'string', demandOption: true, describe: 'The folder to write into (made if missing)' })
      .option('testdata', { type: 'string', describe: 'Another pack (default: the shipped scenarios/testdata.json)' })
      .option('users', { type: 'string', describe: 'Another test users file (default: the shipped scenarios/test-users.json)' }),
  run: async (args) => {
    // Checked here as well: yargs reports a bad choice, but only after the command has run.
    if (args.format !== 'json' && args.format !== 'csv') throw new CliError(`--format: must be json or csv, not "${args.format}"`, EXIT.usage);
    let files: string[];
    try {
      files = writeTestData(args.out, args.format as ExportFormat, loadTestData(args.testdata ?? TESTDATA_FILE), loadTestUsers(args.users));
    } catch (err) {
      throw new CliError((err as Error).message, EXIT.usage);
    }
    console.log(`test data pack written:\n${files.map((f) => `  ${f}`).join('\n')}`);
    return EXIT.ok;
  },
});
