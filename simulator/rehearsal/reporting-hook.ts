// `--submit-reporting "<command>"` (or `provider.submitReporting.command`): the moment a provider
// of your own is told to submit the day's reports. It runs after the last view of the window and
// before the reporting phase judges, as `--apply-updates` runs for the update file, with what it
// needs in its environment:
//   CDA_SIM_REPORTING_DAY  the UTC day the reporting phase judges (YYYY-MM-DD)
//   CDA_SIM_REPORTING_URL  the base URL of cda-sim's reporting endpoints (beside the C&A)
//   CDA_SIM_RUN_ID, CDA_SIM_RUN_DIR  the run, and the folder it is kept in
import { spawn } from 'node:child_process';
import { CliError, EXIT } from '../cli/exit-codes.js';

export interface ReportingHookEnv {
  day: string;
  reportingUrl: string;
  runId: string;
  runDir: string;
}

/** Run the command, its output relayed as progress lines; resolves with its exit code. */
export function runReportingHook(command: string, env: ReportingHookEnv, progress: (line: string) => void): Promise<number> {
  progress(`reporting: asking your system to submit its daily reports for ${env.day}: ${command}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, {
      shell: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CDA_SIM_REPORTING_DAY: env.day, CDA_SIM_REPORTING_URL: env.reportingUrl, CDA_SIM_RUN_ID: env.runId, CDA_SIM_RUN_DIR: env.runDir },
    });
    const relay = (prefix: string) => (chunk: Buffer) => {
      for (const l of chunk.toString('utf8').split(/\r?\n/)) if (l) progress(`  ${prefix}${l}`);
    };
    child.stdout.on('data', relay('| '));
    child.stderr.on('data', relay('! '));
    child.on('error', (err) => reject(new CliError(`the --submit-reporting command could not be started: ${err.message}`, EXIT.environment)));
    child.on('close', (code) => resolve(code ?? 1));
  });
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
