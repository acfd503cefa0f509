// `cda-sim inspect FILE`: a bundle's run, timeline and failures, on any machine (no state needed).
import { defineCommand } from '../command.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readBundle, type Bundle } from '../../runs/bundle.js';
import { renderInspection } from '../../runs/inspect.js';

/** Read a bundle for a command: a bad file is a usage error that says what is wrong with it. */
export function bundleFor(file: string): Bundle {
  try {
    return readBundle(file);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

export const inspectCommand = defineCommand({
  command: 'inspect <file>',
  describe: 'Show a bundle’s run: metadata, the timeline of test cases and exchanges, and every failure',
  builder: (y) => y.positional('file', { type: 'string', demandOption: true, describe: 'A bundle written by `cda-sim export`' }),
  run: async (args) => {
    console.log(renderInspection(bundleFor(String(args.file))));
    return EXIT.ok;
  },
});
