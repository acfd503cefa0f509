// After the soak: the provider submits its daily reports (the reference provider by itself; yours
// through --submit-reporting), and PDP's reporting pipeline judges them against what the soak saw:
// the view requests it sent and the views that took over 10 s must be what the reports say.
import type { RunSimulator as Simulator } from '../rehearsal/simulated-cda.js';
import type { ProviderConfig } from '../config/provider-config.js';
import type { ReferenceProvider } from '../provider/reference-provider.js';
import type { TestDataPack } from '../testdata/records.js';
import type { JournalEntry } from '../store/journal.js';
import type { TestCaseResult } from '../scenarios/types.js';
import { expectedPei } from '../scenarios/context.js';
import { runReportingPipeline } from '../scenarios/reporting-pipeline.js';
import { receivedOnUtcDay } from '../reporting/submissions.js';
import { runReportingHook, submissionsLine } from '../rehearsal/reporting-hook.js';

export interface ReportingCheck {
  sim: Simulator;
  config: ProviderConfig;
  testData: TestDataPack;
  /** The built-in reference provider, which submits by itself. */
  provider?: ReferenceProvider;
  /** Your provider's command that makes it submit now. */
  hook?: string;
  day: string;
  runId: string;
  folder: string;
  /** The view requests the soak's dashboard sent, as journalled. */
  views: JournalEntry[];
  progress: (line: string) => void;
  signal?: AbortSignal;
}

/** A view request as the pipeline needs it: no headers or request body, to keep a long soak's memory down. */
export function slimViewEntry(e: JournalEntry): JournalEntry {
  return { ...e, requestHeaders: {}, responseHeaders: {}, requestBody: undefined };
}

export function isDashboardView(e: JournalEntry): boolean {
  return e.direction === 'out' && e.role === 'dashboard' && e.method === 'GET';
}

export async function judgeSoakReporting(c: ReportingCheck): Promise<TestCaseResult[]> {
  if (c.provider) {
    c.progress(`reporting: the reference provider submits its daily reports for ${c.day}`);
    await c.provider.submitDailyReporting(c.day);
  } else if (c.hook) {
    const code = await runReportingHook(c.hook, { day: c.day, reportingUrl: c.sim.endpoints.https ?? c.sim.endpoints.http!, runId: c.runId, runDir: c.folder }, { progress: c.progress, signal: c.signal });
    if (code !== 0) c.progress(`the --submit-reporting command exited with ${code}; the reporting check judges what was submitted`);
  }
  c.progress(submissionsLine(c.day, receivedOnUtcDay(c.sim.submissions.all(), c.day).length, c.provider ? 'reference' : c.hook ? 'command' : 'none'));
  const holderOf = new Map(c.testData.records.map((r) => [r.assetGuid, expectedPei(c, r).split(':')[2]]));
  return runReportingPipeline({ day: c.day, submissions: c.sim.submissions.all(), journal: c.views, holdernameGuids: c.config.provider.holdernameGuids, holdernameOfAsset: (a) => holderOf.get(a), strict: true });
}
