// How long the command line takes to answer `--version`, `--help` and a command's `--help`: each a
// fresh child process, as a user runs it (Node.js start-up included), median of several runs.
// Target: under 0.3 s for `--version` and `--help`; command modules are loaded only when run.
import { spawnSync } from 'node:child_process';
import { CDA_SIM_BIN } from './lib.js';

export const CLI_STARTUP_TARGET_MS = 300;

export interface CliStartup {
  args: string;
  medianMs: number;
  runs: number;
}

/** One run of `cda-sim <args>` (or, with no args, of Node.js alone: the floor every command stands on). */
function once(args: string[]): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args.length ? [CDA_SIM_BIN, ...args] : ['-e', ''], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cda-sim ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export function measureCliStartup(runs = 7): CliStartup[] {
  return [[], ['--version'], ['--help'], ['rehearse', '--help']].map((args) => {
    once(args); // warm the file cache
    const times = Array.from({ length: runs }, () => once(args)).sort((a, b) => a - b);
    return { args: args.join(' '), medianMs: times[Math.floor(runs / 2)], runs };
  });
}

export function cliStartupLines(figures: CliStartup[]): string[] {
  return [
    `command line start-up (a fresh process each, median of ${figures[0]?.runs ?? 0}; target < ${CLI_STARTUP_TARGET_MS} ms for --version and --help)`,
    ...figures.map((f) => {
      const target = f.args === '--version' || f.args === '--help' ? `   ${f.medianMs < CLI_STARTUP_TARGET_MS ? 'ok' : 'MISSED'}` : '';
      return `${(f.args ? `cda-sim ${f.args}` : 'node -e "" (Node.js alone)').padEnd(44)} ${f.medianMs.toFixed(0).padStart(8)} ms${target}`;
    }),
  ];
}

// `node dist/bench/cli-startup.js` measures only this.
if (process.argv[1]?.endsWith('cli-startup.js')) console.log(cliStartupLines(measureCliStartup()).join('\n'));
