// `cda-sim rehearse`: the full rehearsal. With no config, against the built-in reference provider.
import { defineCommand, withDirs } from '../command.js';
import { rehearse } from '../../rehearsal/rehearse.js';
import { summaryTable } from '../../reports/results.js';

export const rehearseCommand = defineCommand({
  command: 'rehearse',
  describe: 'Rehearse PDP testing: with no --config, against the built-in reference provider',
  builder: (y) =>
    withDirs(y)
      .option('config', { type: 'string', describe: 'The provider under test (cda-sim.config.json or .yaml; `cda-sim init` writes one)' })
      .option('scenario', { type: 'string', array: true, describe: 'Scenario names or files (default: every phase that exists)' })
      .option('reports-dir', { type: 'string', default: 'reports', describe: 'Where each run’s results are written' })
      .option('reporting', { type: 'boolean', default: false, describe: 'With --config: also judge the reporting submissions your provider sent today' })
      .option('ci', { type: 'boolean', default: false, describe: 'No prompts, plain progress lines' }),
  run: async (args) => {
    const { results, reports, exitCode } = await rehearse({
      stateDir: args['state-dir'],
      certsDir: args['certs-dir'],
      configFile: args.config,
      scenarios: args.scenario,
      reportsDir: args['reports-dir'],
      reporting: args.reporting,
      progress: (line) => console.log(line),
    });
    console.log(`\n${summaryTable(results, process.stdout.columns ?? 120)}`);
    console.log(`results: ${reports.json}\nreports: ${reports.pdf}, ${reports.html}, ${reports.junit}`);
    return exitCode;
  },
});
