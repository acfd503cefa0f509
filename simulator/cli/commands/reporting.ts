// `cda-sim reporting verify [--date YYYY-MM-DD]`: the daily reporting pipeline over the submissions
// the simulator received on that UTC day (default today), with a verdict per endpoint.
import path from 'node:path';
import { defineCommand, withDirs } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';
import { packageVersion } from '../../core/paths.js';
import { systemClock } from '../../core/clock.js';

export const reportingCommand = defineCommand({
  command: 'reporting <action>',
  describe: 'The reporting pipeline: `reporting verify [--date YYYY-MM-DD]` judges one UTC day’s submissions',
  builder: (y) =>
    withDirs(y)
      .positional('action', { choices: ['verify'] as const, describe: 'What to do' })
      .option('date', { type: 'string', describe: 'The UTC day to judge (default: today)' })
      .option('holdername', { type: 'string', array: true, describe: 'Holdername GUIDs that must each be reported on (default: those in the submissions)' })
      .option('reports-dir', { type: 'string', describe: 'Also copy the reports here (the run is kept in <state-dir>/runs/<run id>/, like every run)' }),
  run: async (args) => {
    // Loaded here, not at the top: `reporting --help` needs only the options above.
    const [{ BUILT_IN_PROFILE }, { readJournal }, { receivedOnUtcDay, SubmissionStore }, { runReportingPipeline, utcDay }, { loadTestData }, { runPassed, runResults, summaryTable }, { copyReports, writeReports }, { newRunId, runDir }] = await Promise.all([
      import('../../http/spec-profile.js'),
      import('../../store/journal.js'),
      import('../../reporting/submissions.js'),
      import('../../scenarios/reporting-pipeline.js'),
      import('../../testdata/records.js'),
      import('../../reports/results.js'),
      import('../../reports/write-all.js'),
      import('../../runs/run-store.js'),
    ]);
    const started = new Date();
    const day = args.date ?? utcDay(started.getTime());
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new CliError(`--date must be a UTC day as YYYY-MM-DD, not "${day}"`, EXIT.usage);
    const store = SubmissionStore.open(args['state-dir']);
    const submissions = store.all();
    store.close();
    const journal = await readJournal(path.join(args['state-dir'], 'journal.ndjson'));
    const pack = loadTestData();
    const holderOf = new Map(pack.records.map((r) => [r.assetGuid, r.holdernameGuid]));
    const testCases = runReportingPipeline({ day, submissions, journal, holdernameGuids: args.holdername, holdernameOfAsset: (a) => holderOf.get(a) });
    const results = runResults(
      {
        id: newRunId(systemClock),
        cdaSimVersion: packageVersion(),
        profile: BUILT_IN_PROFILE,
        provider: `reporting submissions received by cda-sim on ${day} (UTC)`,
        configDigest: '-',
        startedAt: started.toISOString(),
        finishedAt: new Date().toISOString(),
        scenarios: ['reporting'],
      },
      testCases,
    );
    const files = await writeReports(runDir(args['state-dir'], results.run.id), results);
    if (args['reports-dir']) copyReports(files, path.join(args['reports-dir'], results.run.id));
    console.log(`reporting pipeline for ${day} (UTC): ${receivedOnUtcDay(submissions, day).length} submission(s) received that day\n`);
    console.log(summaryTable(results, process.stdout.columns ?? 120));
    console.log(`reports: ${files.pdf}, ${files.html}, ${files.junit}, ${files.json}`);
    return runPassed(results.summary) ? EXIT.ok : EXIT.checkFailed;
  },
});
