// `cda-sim soak`: sustained signed finds and view dances against a provider (the built-in reference
// provider unless --config), measured per stage and judged against thresholds (`--slo`).
import fs from 'node:fs';
import path from 'node:path';
import { defineCommand, withDirs } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';
import { outputPathProblem } from '../../core/paths.js';
import { interruptOnCtrlC } from '../interrupted.js';
import { portsOf, withPorts } from '../ports.js';
import { writeFileAtomic } from '../../runs/run-record.js';

export const soakCommand = defineCommand({
  command: 'soak',
  describe: 'Soak a provider: signed finds at a steady rate and a view dance for every PeI they register, with latency percentiles, availability, slow views and thresholds',
  builder: (y) =>
    withPorts(withDirs(y))
      .option('config', { type: 'string', describe: 'The provider under test (as for rehearse); without it, the built-in reference provider' })
      .option('duration', { type: 'string', describe: 'How long to send finds: 30s, 10m, 1h (default: the steps’ total, else 1m)' })
      .option('rate', { type: 'string', describe: 'A constant rate of finds: 20/s (default 10/s)' })
      .option('ramp', { type: 'string', describe: 'A rate rising (or falling) evenly over the duration: 1/s..50/s' })
      .option('steps', { type: 'string', describe: 'Rates in steps, each for its time; the last holds to the end: 5/s:30s,20/s:1m' })
      .option('fault-mix', { type: 'string', describe: 'Background C&A faults on the provider’s calls: 429=1%,503=0.5%' })
      .option('slo', { type: 'string', array: true, describe: 'A threshold, as k6 writes them: find-ack:p99<2s, availability>99.5%, slow-views<=0 (default availability>=99.5%); a breach exits 1' })
      .option('max-in-flight', { type: 'number', default: 1000, describe: 'Finds and view dances awaiting an answer at most; one the bound refuses is counted as an error' })
      .option('submit-reporting', { type: 'string', describe: 'With --config: a command that has your provider submit its daily reports after the soak, judged against what the soak saw (the reference provider submits by itself)' })
      .option('merge', { type: 'string', array: true, describe: 'Run no soak: add up the results.json of soaks run apart (one per CI runner), judge them against --slo, and keep the sum as a run' })
      .option('junit', { type: 'string', describe: 'Also write the JUnit XML here: one test case per threshold' })
      .option('reports-dir', { type: 'string', describe: 'Also copy the soak’s reports here (the run is always kept in <state-dir>/runs/<run id>/)' })
      .option('ci', { type: 'boolean', default: false, describe: 'Plain progress lines (every 10 s) instead of a live line (also when output is not a terminal)' }),
  run: async (args) => {
    const [{ soak, mergeSoaks }, { startSimulator }, { soakShapeOf }, { figuresTable, statusLine, statusLinesEvery10s }, { summaryTable }] = await Promise.all([
      import('../../soak/soak.js'),
      import('../../server/simulator.js'),
      import('../../soak/shape.js'),
      import('../../soak/summary-text.js'),
      import('../../reports/results.js'),
    ]);
    // Every option is checked before anything starts.
    const loadGiven = (['config', 'duration', 'rate', 'ramp', 'steps', 'fault-mix', 'submit-reporting'] as const).filter((k) => args[k] !== undefined);
    if (args.merge && loadGiven.length) throw new CliError(`--merge and --${loadGiven[0]}: --merge runs no soak, it adds up soaks already run`, EXIT.usage);
    if (args['submit-reporting'] !== undefined && !args.config) throw new CliError('--submit-reporting: only with --config (the built-in reference provider submits its reports itself)', EXIT.usage);
    const shape = soakShapeOf({ ...args, slo: args.slo, faultMix: args['fault-mix'], maxInFlight: args['max-in-flight'] });
    const junitProblem = args.junit ? outputPathProblem(args.junit, 'file') : undefined;
    if (junitProblem) throw new CliError(`--junit: ${junitProblem}`, EXIT.usage);
    const live = !args.ci && !!process.stdout.isTTY && !process.env.CI;
    let shown = false;
    const plain = statusLinesEvery10s((line) => console.log(line));
    const onStatus = (s: Parameters<typeof statusLine>[0]) => {
      if (!live) return plain(s);
      process.stdout.write(`\r\x1b[2K${statusLine(s).slice(0, (process.stdout.columns ?? 120) - 1)}`);
      shown = true;
    };
    const progress = (line: string) => {
      if (shown) process.stdout.write('\r\x1b[2K');
      console.log(line);
    };
    const interrupt = interruptOnCtrlC();
    const run = () =>
      args.merge
        ? mergeSoaks({ stateDir: args['state-dir'], files: args.merge, thresholds: shape.thresholds, reportsDir: args['reports-dir'] })
        : soak({
            startSimulator,
            stateDir: args['state-dir'],
            certsDir: args['certs-dir'],
            configFile: args.config,
            ...shape,
            ports: portsOf(args),
            reportsDir: args['reports-dir'],
            submitReporting: args['submit-reporting'],
            progress,
            onStatus,
            signal: interrupt.signal,
          });
    const outcome = await run().finally(() => {
      interrupt.release();
      if (shown) process.stdout.write('\r\x1b[2K');
    });
    console.log(['', ...figuresTable(outcome.figures), '', summaryTable(outcome.results, process.stdout.columns ?? 120)].join('\n'));
    console.log(`results: ${outcome.reports.json}\nreports: ${outcome.reports.pdf}, ${outcome.reports.html}, ${outcome.reports.junit}`);
    console.log(`run ${outcome.results.run.id} is kept; \`cda-sim export ${outcome.results.run.id} --out run.tar.gz\` bundles it for someone else`);
    if (args.junit) writeFileAtomic(path.resolve(args.junit), fs.readFileSync(outcome.reports.junit));
    return outcome.exitCode;
  },
});
