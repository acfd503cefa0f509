// `cda-sim stage2`: resume a run that paused after Stage 1 (nobody applied the update file then).
// The simulator starts again on the same state directory, Stage 2 judges what the provider did with
// the file, then reporting; the run's reports (in its run folder, and copied where the paused run said) then cover both stages.
import { defineCommand, withDirs } from '../command.js';
import { portsOf, withPorts } from '../ports.js';
import { CliError, EXIT } from '../../core/exit-codes.js';
import { latestPausedRun } from '../../rehearsal/paused-run.js';
import { interruptOnCtrlC } from '../interrupted.js';

export const stage2Command = defineCommand({
  command: 'stage2',
  describe: 'Resume a rehearsal paused after Stage 1: judge the update file’s changes (Stage 2), then reporting',
  builder: (y) =>
    withPorts(withDirs(y))
      .option('run', { type: 'string', describe: 'The paused run’s id (default: the most recently paused run)' })
      .option('apply-updates', { type: 'string', describe: 'A command that applies the update file first; run with the file’s path as its last argument' })
      .option('submit-reporting', { type: 'string', describe: 'A command that has your provider submit its daily reports before the reporting phase (default: the paused run’s)' })
      .option('junit', { type: 'string', describe: 'Also write the JUnit XML here' })
      .option('reports-dir', { type: 'string', describe: 'Also copy the run’s reports here (default: where the paused run said, if anywhere)' })
      .option('expected-failures', { type: 'string', describe: 'A file of test ids (one a line) known to fail: reported, but not failing the run (default: the paused run’s list)' })
      .option('ci', { type: 'boolean', default: false, describe: 'No prompts: the updates are taken as applied already' }),
  run: async (args) => {
    // Loaded here, not at the top: `stage2 --help` needs only the options above.
    const [{ rehearse }, { startSimulator }, { phasesFrom }, { printRunOutcome }, { expectedFailuresFor }] = await Promise.all([
      import('../../rehearsal/rehearse.js'),
      import('../../server/simulator.js'),
      import('../../rehearsal/phases/index.js'),
      import('../run-output.js'),
      import('../../reports/expected-failures.js'),
    ]);
    // Checked before anything starts: a bad list is a usage error.
    const expectedFailures = args['expected-failures'] ? expectedFailuresFor(args['expected-failures']) : undefined;
    const runId = args.run ?? latestPausedRun(args['state-dir']);
    if (!runId) throw new CliError(`no paused run in ${args['state-dir']}: \`cda-sim rehearse --config …\` pauses after Stage 1 when no --apply-updates command is given and there is no terminal to ask at`, EXIT.usage);
    const interrupt = interruptOnCtrlC();
    const resumed = {
      startSimulator,
      stateDir: args['state-dir'],
      certsDir: args['certs-dir'],
      resumeRunId: runId,
      reportsDir: args['reports-dir'],
      expectedFailures,
      submitReporting: args['submit-reporting'],
      ports: portsOf(args),
      applyUpdates: { command: args['apply-updates'], interactive: !args.ci && !!process.stdin.isTTY && !!process.stdout.isTTY },
      progress: (line: string) => console.log(line),
      signal: interrupt.signal,
    };
    // The window from the update file on: Stage 1 was played before the pause.
    const outcome = await rehearse(resumed, phasesFrom('update-file')).finally(() => interrupt.release());
    printRunOutcome(outcome, args.junit);
    return outcome.exitCode;
  },
});
