// Reporting, the window's last phase: the provider's daily submissions (the reference provider's, or
// those your --submit-reporting command has sent), judged as PDP's daily pipeline judges them.
import { runReportingPipeline, utcDay } from '../../scenarios/reporting-pipeline.js';
import { receivedOnUtcDay } from '../../reporting/submissions.js';
import { expectedPei } from '../../scenarios/context.js';
import { runReportingHook, submissionsLine } from '../reporting-hook.js';
import { reportingHookOf } from '../run-setup.js';
import { contextOf, PLAY, type PhaseRun, type WindowPhase } from './types.js';

/** Have the day's reports submitted: the reference provider does it itself; yours through the hook, if any. */
async function submitDailyReports(p: PhaseRun, day: string): Promise<'reference' | 'command' | 'none'> {
  const { run, provider } = p;
  const hook = reportingHookOf(run);
  if (provider) {
    run.progress(`reporting: the reference provider submits its daily reports for ${day}`);
    await provider.submitDailyReporting(day);
    return 'reference';
  }
  if (!hook) return 'none';
  const reportingUrl = p.sim.endpoints.https ?? p.sim.endpoints.http!;
  const code = await runReportingHook(hook, { day, reportingUrl, runId: run.runId, runDir: run.folder }, contextOf(p));
  if (code !== 0) run.progress(`the --submit-reporting command exited with ${code}; the reporting phase judges what was submitted`);
  return 'command';
}

async function judgeReporting(p: PhaseRun): Promise<void> {
  const { run } = p;
  const ctx = contextOf(p);
  const day = utcDay(run.clock.now());
  const by = await submitDailyReports(p, day);
  run.progress(submissionsLine(day, receivedOnUtcDay(ctx.sim.submissions.all(), day).length, by));
  const holderOf = new Map(run.testData.records.map((r) => [r.assetGuid, expectedPei(ctx, r).split(':')[2]]));
  const rep = runReportingPipeline({ day, submissions: ctx.sim.submissions.all(), journal: ctx.entries, holdernameGuids: ctx.config.provider.holdernameGuids, holdernameOfAsset: (a) => holderOf.get(a), strict: run.strict });
  for (const t of rep) run.progress(`  ${t.id} ${t.title}: ${t.verdict.toUpperCase()}${t.verdict === 'pass' ? '' : `: ${t.reasons.join(' | ')}`}`);
  run.played.push(...rep);
}

export const REPORTING: WindowPhase = {
  id: 'reporting',
  name: 'reporting',
  needsProvider: true,
  events: ['phase-start', 'phase-end'],
  // Always with the reference provider (it submits); with yours on --reporting or a reporting hook.
  gate: ({ run }) => (run.withReporting ? PLAY : { play: false, skip: 'reporting is not part of this run' }),
  run: async (p) => {
    await p.run.window.phase('reporting', () => judgeReporting(p));
    p.run.done.add('reporting');
  },
};
