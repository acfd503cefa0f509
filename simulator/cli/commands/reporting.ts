// `cda-sim reporting verify [--date YYYY-MM-DD]`: the daily reporting pipeline over the submissions
// the simulator received on that UTC day (default today), with a verdict per endpoint.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { defineCommand, withDirs } from '../command.js';
import { CliError, EXIT } from '../exit-codes.js';
import { packageVersion } from '../../core/paths.js';
import { PROFILE } from '../../server/simulator.js';
import { readJournal } from '../../store/journal.js';
import { receivedOnUtcDay, SubmissionStore } from '../../reporting/submissions.js';
import { runReportingPipeline, utcDay } from '../../reporting/pipeline.js';
import { loadTestData } from '../../testdata/records.js';
import { summarise, summaryTable, type RunResults } from '../../reports/results.js';
import { writeReports } from '../../reports/write-all.js';

export const reportingCommand = defineCommand({
  command: 'reporting <action>',
  describe: 'The reporting pipeline: `reporting verify [--date YYYY-MM-DD]` judges one UTC day’s submissions',
  builder: (y) =>
    withDirs(y)
      .positional('action', { choices: ['verify'] as const, describe: 'What to do' })
      .option('date', { type: 'string', describe: 'The UTC day to judge (default: today)' })
      .option('holdername', { type: 'string', array: true, describe: 'Holdername GUIDs that must each be reported on (default: those in the submissions)' })
      .option('reports-dir', { type: 'string', default: 'reports', describe: 'Where the reports are written' }),
  run: async (args) => {
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
    const results: RunResults = {
      run: {
        id: `${day}-reporting-${randomUUID().slice(0, 8)}`,
        cdaSimVersion: packageVersion(),
        profile: PROFILE,
        provider: 'reporting submissions received by cda-sim',
        configDigest: '-',
        startedAt: started.toISOString(),
        finishedAt: new Date().toISOString(),
        scenarios: ['reporting'],
      },
      summary: summarise(testCases),
      testCases,
    };
    const files = await writeReports(path.join(args['reports-dir'], results.run.id), results);
    console.log(`reporting pipeline for ${day} (UTC): ${receivedOnUtcDay(submissions, day).length} submission(s) received that day\n`);
    console.log(summaryTable(results, process.stdout.columns ?? 120));
    console.log(`reports: ${files.pdf}, ${files.html}, ${files.junit}, ${files.json}`);
    return results.summary.passed === results.summary.total ? EXIT.ok : EXIT.checkFailed;
  },
});
