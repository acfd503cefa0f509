// `cda-sim init`: write an annotated example configuration for the provider under test.
import fs from 'node:fs';
import { defineCommand } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';
import { EXAMPLE_CONFIG } from '../../config/provider-config.js';

export const initCommand = defineCommand({
  command: 'init',
  describe: 'Write an annotated example provider configuration (cda-sim.config.yaml)',
  builder: (y) =>
    y
      .option('out', { type: 'string', default: 'cda-sim.config.yaml', describe: 'File to write' })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite an existing file' }),
  run: async (args) => {
    if (fs.existsSync(args.out) && !args.force) throw new CliError(`${args.out} already exists (use --force to overwrite)`, EXIT.usage);
    fs.writeFileSync(args.out, EXAMPLE_CONFIG);
    console.log(`wrote ${args.out}: fill in your find and view URLs, holdername GUIDs and view token key, then run \`cda-sim rehearse --config ${args.out}\``);
    return EXIT.ok;
  },
});
