// `--submit-reporting "<command>"` (or `provider.submitReporting.command`): the moment a provider
// of your own is told to submit the day's reports. It runs after the last view of the window and
// before the reporting phase judges, as `--apply-updates` runs for the update file, with what it
// needs in its environment:
//   CDA_SIM_REPORTING_DAY  the UTC day the reporting phase judges (YYYY-MM-DD)
//   CDA_SIM_REPORTING_URL  the base URL of cda-sim's reporting endpoints (beside the C&A)
//   CDA_SIM_RUN_ID, CDA_SIM_RUN_DIR  the run, and the folder it is kept in
import { runUserCommand, type UserCommandContext } from './user-command.js';

export interface ReportingHookEnv {
  day: string;
  reportingUrl: string;
  runId: string;
  runDir: string;
}

/** Run the command, its output relayed as progress lines; resolves with its exit code. */
export function runReportingHook(command: string, env: ReportingHookEnv, ctx: UserCommandContext): Promise<number> {
  ctx.progress(`reporting: asking your system to submit its daily reports for ${env.day}: ${command}`);
  const told = { CDA_SIM_REPORTING_DAY: env.day, CDA_SIM_REPORTING_URL: env.reportingUrl, CDA_SIM_RUN_ID: env.runId, CDA_SIM_RUN_DIR: env.runDir };
  return runUserCommand({ line: command, option: '--submit-reporting', env: told }, ctx);
}

/** The line the reporting phase prints before judging: how many submissions it has, and plainly when none. */
export function submissionsLine(day: string, count: number, hook: 'reference' | 'command' | 'none'): string {
  if (count) return `reporting: ${count} submission(s) received for ${day}; judging them`;
  const why =
    hook === 'none'
      ? 'nobody asked your system to submit (give --submit-reporting "<command>" or provider.submitReporting.command), and it submitted nothing of its own accord'
      : 'it was asked, and submitted nothing';
  return `reporting: NOTHING was submitted for ${day}: ${why}; the reporting cases that need one fail for want of it`;
}
