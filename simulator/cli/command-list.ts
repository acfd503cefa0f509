// Every command, by name, with what `cda-sim --help` says of it and how to load it. Only the command
// being run is imported: `--version`, `--help` and a misspelt command load no command module at all,
// so they answer at once. (tests/cli-manners.test.ts checks these lines against the modules.)
import type { CommandModule } from 'yargs';

export interface CommandEntry {
  command: string;
  describe: string;
  load: () => Promise<CommandModule<object, never>>;
}

type Loaded = CommandModule<object, never>;
const as = (m: unknown) => m as Loaded;

export const COMMANDS: CommandEntry[] = [
  { command: 'rehearse', describe: 'Rehearse PDP testing: with no --config, against the built-in reference provider', load: async () => as((await import('./commands/rehearse.js')).rehearseCommand) },
  { command: 'stage2', describe: 'Resume a rehearsal paused after Stage 1: judge the update file’s changes (Stage 2), then reporting', load: async () => as((await import('./commands/stage2.js')).stage2Command) },
  { command: 'soak', describe: 'Soak a provider: signed finds at a steady rate and a view dance for every PeI they register, with latency percentiles, availability, slow views and thresholds', load: async () => as((await import('./commands/soak.js')).soakCommand) },
  { command: 'testdata', describe: 'Export the test data pack (users with find data, pension records with view data, expected outcomes) as JSON or CSV', load: async () => as((await import('./commands/testdata.js')).testdataCommand) },
  { command: 'start', describe: 'Start the simulator (C&A over HTTPS+mTLS and HTTP, admin API) and print its endpoints', load: async () => as((await import('./commands/start.js')).startCommand) },
  { command: 'provider [action] [file]', describe: 'Run the reference provider (find and view endpoints) against a C&A until Ctrl+C; `provider apply-updates FILE`, `provider submit-reporting`, `provider clear-down` ask a running one', load: async () => as((await import('./commands/provider.js')).providerCommand) },
  { command: 'init', describe: 'Write an annotated example provider configuration (cda-sim.config.yaml)', load: async () => as((await import('./commands/init.js')).initCommand) },
  { command: 'reporting <action>', describe: 'The reporting pipeline: `reporting verify [--date YYYY-MM-DD]` judges one UTC day’s submissions', load: async () => as((await import('./commands/reporting.js')).reportingCommand) },
  { command: 'certs [action]', describe: 'Create, show or rotate the generated CA, TLS certificates and signing keys', load: async () => as((await import('./commands/certs.js')).certsCommand) },
  { command: 'token <kind> <id>', describe: 'Mint a token: `token user CP01` prints a user token for that test user', load: async () => as((await import('./commands/token.js')).tokenCommand) },
  { command: 'users', describe: 'List the seeded synthetic test users (ids, subs, purposes)', load: async () => as((await import('./commands/users.js')).usersCommand) },
  { command: 'reset', describe: 'Clear registrations, tokens, reporting submissions and the journal (crypto material is kept)', load: async () => as((await import('./commands/reset.js')).resetCommand) },
  { command: 'journal', describe: 'Show journalled exchanges, filtered by request id, path, status', load: async () => as((await import('./commands/journal.js')).journalCommand) },
  { command: 'runs', describe: 'List the kept runs (newest first) with their verdicts', load: async () => as((await import('./commands/runs.js')).runsCommand) },
  { command: 'export <run>', describe: 'Write a kept run as one bundle file (tar.gz: journal, scenarios, redacted config, versions, results, reports)', load: async () => as((await import('./commands/export.js')).exportCommand) },
  { command: 'inspect <file>', describe: 'Show a bundle’s run: metadata, the timeline of test cases and exchanges, and every failure', load: async () => as((await import('./commands/inspect.js')).inspectCommand) },
  { command: 'replay <file>', describe: 'Re-send a bundle’s finds and views to a provider (tokens signed afresh), judge them again, and show what differs', load: async () => as((await import('./commands/replay.js')).replayCommand) },
];

/** A command's name: the first word of its usage. */
export function commandName(e: Pick<CommandEntry, 'command'>): string {
  return e.command.split(' ')[0];
}

/** The command a command line asks for: its first word that is not an option, if it names one. */
export function commandFor(argv: string[]): CommandEntry | undefined {
  const first = argv.find((a) => !a.startsWith('-'));
  return COMMANDS.find((e) => commandName(e) === first);
}
