// A CLI command is a value: its yargs shape plus a `run` that returns an exit code.
// main.ts collects them; nothing here calls process.exit, so commands are testable in-process.
import type { Argv, CommandModule } from 'yargs';
import { CliError, EXIT } from '../core/exit-codes.js';
import { diskCause } from '../store/disk.js';
import { withEnvironment } from './environment.js';

export interface CommandSpec<A> {
  command: string | string[];
  describe: string;
  builder?: (y: Argv) => Argv<A>;
  run: (args: A) => Promise<number | void>;
}

/** Where a command's exit code lands once yargs has run it. */
export const outcome = { code: EXIT.ok as number };

export function defineCommand<A>(spec: CommandSpec<A>): CommandModule<object, A> {
  return {
    command: spec.command,
    describe: spec.describe,
    // Each command reads the CDA_SIM_* variables of its own options, and no others (environment.ts).
    builder: ((y: Argv) => withEnvironment((spec.builder ?? ((b: Argv) => b as unknown as Argv<A>))(y), spec.command)) as CommandModule<object, A>['builder'],
    handler: async (args) => {
      try {
        const code = await spec.run(args as unknown as A);
        outcome.code = typeof code === 'number' ? code : EXIT.ok;
      } catch (err) {
        if (err instanceof CliError) {
          console.error(`cda-sim: ${err.message}`);
          outcome.code = err.exitCode;
        } else if (isFileSystemError(err)) {
          // A file or folder the command was pointed at cannot be used: one line naming it, never a stack trace.
          console.error(`cda-sim: ${err.path} cannot be used: ${diskCause(err)}`);
          outcome.code = EXIT.environment;
        } else {
          throw err;
        }
      }
    },
  };
}

/** An error the file system raised about a path (ENOTDIR, EACCES, EEXIST…), as node reports them. */
function isFileSystemError(err: unknown): err is NodeJS.ErrnoException & { path: string } {
  const e = err as NodeJS.ErrnoException;
  return typeof e?.code === 'string' && typeof e.syscall === 'string' && typeof e.path === 'string';
}

/** Options every command that touches state or crypto shares. */
/** `--strict` / `--strict=false` / `--no-strict` (no default here: the config file's `simulator.strict`, then true). */
export const strictOption = {
  type: 'boolean',
  describe: "Refuse requests that break cda-sim's own rules, where it is stricter than the official documents (default); --strict=false accepts them, each violation a warning in the journal and the reports (README \"Strictness\")",
} as const;

export function withDirs<T>(y: Argv<T>) {
  return y
    .option('state-dir', {
      type: 'string',
      default: '.cda-sim',
      describe: 'Where state, the journal and runs are kept',
    })
    .option('certs-dir', {
      type: 'string',
      default: 'certs',
      describe: 'Where generated keys and certificates are kept',
    });
}
