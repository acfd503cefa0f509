// `cda-sim rehearse`: the full rehearsal. With no config, against the built-in reference provider.
import { defineCommand, strictOption, withDirs } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';
import { outputPathProblem } from '../../core/paths.js';
import { DRIVER_FAULTS } from '../../pfs/driver-faults.js';
import { COMPAT_MODES } from '../../ca/compat-modes.js';
import { interruptOnCtrlC, untilInterrupted } from '../interrupted.js';
import type { RehearsalOutcome } from '../../rehearsal/rehearse.js';
import { liveProgressFor } from '../progress.js';
import { scenarioNames } from '../../scenarios/names.js';
import { journalCapBytes, journalCapOption } from './journal.js';
import { portsOf, withPorts } from '../ports.js';
import { isCaseConcurrency, MAX_CONCURRENCY, SYSTEM_TEST_CONCURRENCY } from '../../scenarios/case-groups.js';
import type { SoakOptionNames, SoakShape, soakShapeOf } from '../../soak/shape.js';

export const rehearseCommand = defineCommand({
  command: 'rehearse',
  describe: 'Rehearse PDP testing: with no --config, against the built-in reference provider',
  builder: (y) =>
    withPorts(withDirs(y))
      .option('config', { type: 'string', describe: 'The provider under test (cda-sim.config.json or .yaml; `cda-sim init` writes one)' })
      .option('scenario', { type: 'string', array: true, describe: `Scenario names (${scenarioNames().join(', ')}) or scenario files (default: connection-proving, stage1, stage2)` })
      .option('reports-dir', { type: 'string', describe: 'Also copy each run’s reports here (runs are always kept in <state-dir>/runs/<run id>/)' })
      .option('reporting', { type: 'boolean', default: false, describe: 'With --config: also judge the reporting submissions your provider sent today' })
      .option('submit-reporting', { type: 'string', describe: 'With --config: a command that has your provider submit its daily reports, run after the last view and before the reporting phase (implies --reporting; CDA_SIM_REPORTING_DAY and CDA_SIM_REPORTING_URL in its environment)' })

      .option('junit', { type: 'string', describe: 'Also write the JUnit XML here (for your CI’s test report)' })
      .option('expected-failures', { type: 'string', describe: 'A file of test ids (one a line) known to fail: reported, but not failing the run' })
      .option('ci', { type: 'boolean', default: false, describe: 'No prompts, plain progress lines (also when CI is set or output is not a terminal)' })
      .option('apply-updates', { type: 'string', describe: 'A command that applies the Stage 2 update file to your provider; run with the file’s path as its last argument' })
      .option('stage1-only', { type: 'boolean', default: false, describe: 'Ask for connection proving and Stage 1 alone: the update file is written, Stage 2 and reporting are not part of the run (`cda-sim stage2` can play them later)' })
      .option('window-minutes', { type: 'number', describe: 'The integration window every phase is timed against (default 180)' })
      .option('only', { type: 'string', array: true, describe: 'Only these test case ids (or id prefixes: SYS-05 runs SYS-05a…d)' })
      .option('concurrency', { type: 'number', describe: `Groups of test cases played at once where a scenario allows it (the system test: ${SYSTEM_TEST_CONCURRENCY}); cases that share a test user never overlap, and 1 plays every case one after another, as MaPS's harness is driven` })
      .option('fault', { type: 'string', array: true, describe: `A driver fault on every find: ${DRIVER_FAULTS.join(', ')} (NAME=VALUE sets the delay in ms or the burst size)` })
      .option('compat', { choices: COMPAT_MODES, describe: 'Answer as MaPS’s C&A test harness does where it differs (C&A and reporting; every difference is in the README’s compat table)' })
      .option('spec-dir', { type: 'string', describe: 'A folder of OpenAPI files (YAML or JSON; the official ones from PDP, say) that validation follows instead of the built-in documents, operation by operation (over the config’s specDir)' })
      .option('strict', strictOption)
      .option('journal-cap-mib', journalCapOption)
      .option('soak', { type: 'string', describe: 'Play a soak phase of this long (30s, 10m) after the last scenario and before reporting: signed finds and view dances at --soak-rate, as `cda-sim soak` sends them' })
      .option('soak-rate', { type: 'string', describe: 'With --soak: a constant rate of finds, 20/s (default 10/s)' })
      .option('soak-ramp', { type: 'string', describe: 'With --soak: a rate rising evenly over the soak, 1/s..50/s' })
      .option('soak-steps', { type: 'string', describe: 'With --soak: rates in steps, 5/s:30s,20/s:1m' })
      .option('soak-slo', { type: 'string', array: true, describe: 'With --soak: a threshold, as `cda-sim soak --slo` takes it (default availability>=99.5%); a breach fails the run' })
      .option('soak-fault-mix', { type: 'string', describe: 'With --soak: background C&A faults on the provider’s calls during the soak, 429=1%,503=0.5%' })
      .option('console', { type: 'boolean', default: false, describe: 'Follow the run in the web console, and keep it up afterwards until Ctrl+C (not with --ci)' }),
  run: async (args) => {
    if (args['submit-reporting'] !== undefined && !args.config) throw new CliError('--submit-reporting: only with --config (the built-in reference provider submits its reports itself)', EXIT.usage);
    // Loaded here, not at the top: `rehearse --help` needs only the options above.
    const [{ rehearse }, { startSimulator }, { printRunOutcome }, { expectedFailuresFor }, { REHEARSE_SOAK_OPTIONS, soakShapeOf }] = await Promise.all([
      import('../../rehearsal/rehearse.js'),
      import('../../server/simulator.js'),
      import('../run-output.js'),
      import('../../reports/expected-failures.js'),
      import('../../soak/shape.js'),
    ]);
    const soak = soakOf(args, REHEARSE_SOAK_OPTIONS, soakShapeOf);
    // Read the list first: a bad list, or an id no scenario knows, is a usage error before anything runs.
    const expectedFailures = args['expected-failures'] ? expectedFailuresFor(args['expected-failures'], args.scenario) : undefined;
    const junitProblem = args.junit ? outputPathProblem(args.junit, 'file') : undefined;
    if (junitProblem) throw new CliError(`--junit: ${junitProblem}`, EXIT.usage);
    const minutes = args['window-minutes'];
    const concurrency = args.concurrency;
    if (concurrency !== undefined && !isCaseConcurrency(concurrency)) throw new CliError(`--concurrency: must be a whole number of groups of test cases, 1–${MAX_CONCURRENCY}, not ${concurrency}`, EXIT.usage);
    const journalCap = journalCapBytes(args['journal-cap-mib']);
    if (minutes !== undefined && !(minutes > 0)) throw new CliError(`--window-minutes: must be a positive number of minutes, not ${minutes}`, EXIT.usage);
    // On a terminal, a live status line under the progress lines; in CI, plain lines only.
    const display = liveProgressFor(args);
    let printed = false;
    const printOutcome = (o: RehearsalOutcome) => {
      if (printed) return;
      printed = true;
      printRunOutcome(o, args.junit);
    };
    // Ctrl+C stops the run and keeps what it played; once the run is over it is the console's again.
    const interrupt = interruptOnCtrlC();
    const consoleUrl = (admin?: string) => (admin ? `${admin}/console/` : 'not available (the admin port is off)');
    const outcome = await rehearse({
      startSimulator,
      stateDir: args['state-dir'],
      certsDir: args['certs-dir'],
      configFile: args.config,
      scenarios: args.scenario,
      reportsDir: args['reports-dir'],
      reporting: args.reporting,
      submitReporting: args['submit-reporting'],
      ports: portsOf(args),
      only: args.only,
      driverFaults: args.fault,
      caseConcurrency: concurrency,
      compat: args.compat,
      specDir: args['spec-dir'],
      strict: args.strict,
      journalCapBytes: journalCap,
      budgets: minutes !== undefined ? { windowMs: Math.round(minutes * 60_000) } : undefined,
      stage1Only: args['stage1-only'],
      expectedFailures,
      soak,
      signal: interrupt.signal,
      // The update file: a command applies it, or a person at a terminal; otherwise the run pauses.
      applyUpdates: { command: args['apply-updates'], interactive: !args.ci && !!process.stdin.isTTY && !!process.stdout.isTTY },
      progress: display?.log ?? ((line) => console.log(line)),
      onEvent: display?.onEvent,
      onWait: display?.onWait,
      onReady: args.console ? (sim) => console.log(`web console: ${consoleUrl(sim.endpoints.admin)}`) : undefined,
      // In CI nothing waits for a person: the console lives as long as the run.
      beforeClose:
        args.console && !args.ci
          ? async (sim, o) => {
              interrupt.release();
              printOutcome(o);
              console.log(`\nThe simulator and the web console stay up: ${consoleUrl(sim.endpoints.admin)}\nPress Ctrl+C to stop.`);
              await untilInterrupted();
            }
          : undefined,
    }).finally(() => {
      interrupt.release();
      display?.stop();
    });
    printOutcome(outcome);
    // The run's verdict already counts the expected failures: 0 passed, 1 failed, 3 environment, 4 paused.
    return outcome.exitCode;
  },
});

type SoakArgs = { soak?: string; 'soak-rate'?: string; 'soak-ramp'?: string; 'soak-steps'?: string; 'soak-slo'?: string[]; 'soak-fault-mix'?: string; 'stage1-only'?: boolean };

/** The soak phase's shape when --soak asks for one; its other options only with it, and not with --stage1-only (it plays after Stage 2). */
function soakOf(args: SoakArgs, names: SoakOptionNames, shapeOf: typeof soakShapeOf): SoakShape | undefined {
  const given = (['soak-rate', 'soak-ramp', 'soak-steps', 'soak-slo', 'soak-fault-mix'] as const).filter((k) => args[k] !== undefined);
  if (args.soak === undefined) {
    if (given.length) throw new CliError(`--${given[0]}: only with --soak DURATION (the soak phase it shapes)`, EXIT.usage);
    return undefined;
  }
  if (args['stage1-only']) throw new CliError('--soak and --stage1-only: the soak plays after Stage 2, which --stage1-only does not ask for', EXIT.usage);
  return shapeOf({ duration: args.soak, rate: args['soak-rate'], ramp: args['soak-ramp'], steps: args['soak-steps'], slo: args['soak-slo'], faultMix: args['soak-fault-mix'] }, names);
}
