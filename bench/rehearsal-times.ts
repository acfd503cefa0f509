// How long a rehearsal takes, as a user runs it (the CLI as a child process, the built-in reference
// provider, user timings): the default window, and the system test with OAT one group of cases at a
// time (`--concurrency 1`, as before groups played side by side) and at the shipped concurrency.
// Targets: the default window at most 10 s; the system test with OAT at most 60 s, same verdicts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CDA_SIM_BIN } from './lib.js';

export const REHEARSAL_TARGETS = { windowS: 10, systemTestS: 60 };

export interface TimedRun {
  args: string;
  seconds: number;
  exitCode: number;
  /** The closing verdict line: `PASSED: 81 passed, 0 failed (81 test cases)`. */
  verdict: string;
}

/** The default window is timed this many times and judged on the median: one run moves by ±0.3 s with the machine. */
const WINDOW_RUNS = 3;

export interface RehearsalTimes {
  /** The median of the window's runs. */
  window: TimedRun;
  windowRuns: TimedRun[];
  systemTestOneAtATime: TimedRun;
  systemTestConcurrent: TimedRun;
}

function timed(args: string[], stateDir: string, certsDir: string, log: (m: string) => void): Promise<TimedRun> {
  const all = ['rehearse', ...args, '--ci', '--state-dir', stateDir, '--certs-dir', certsDir];
  log(`cda-sim ${['rehearse', ...args].join(' ')}`);
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [CDA_SIM_BIN, ...all], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const verdict = /^(PASSED|FAILED|INCOMPLETE|PAUSED|INTERRUPTED)\b.*$/m.exec(out)?.[0] ?? `no verdict line; exit ${code}`;
      resolve({ args: args.join(' ') || '(defaults)', seconds, exitCode: code ?? -1, verdict });
    });
  });
}

export async function measureRehearsalTimes({ log }: { log: (m: string) => void }): Promise<RehearsalTimes> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-bench-rehearse-'));
  const certs = path.join(tmp, 'certs');
  const state = (name: string) => path.join(tmp, name);
  try {
    // The first run makes the keys and certificates; the runs measured reuse them, as a user's second run does.
    await timed([], state('warm'), certs, log);
    const windowRuns: TimedRun[] = [];
    for (let i = 0; i < WINDOW_RUNS; i++) windowRuns.push(await timed([], state(`window-${i}`), certs, log));
    const window = [...windowRuns].sort((a, b) => a.seconds - b.seconds)[Math.floor(WINDOW_RUNS / 2)];
    const systemTestOneAtATime = await timed(['--scenario', 'system-test', 'oat', '--concurrency', '1'], state('one'), certs, log);
    const systemTestConcurrent = await timed(['--scenario', 'system-test', 'oat'], state('together'), certs, log);
    return { window, windowRuns, systemTestOneAtATime, systemTestConcurrent };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function rehearsalTimeLines(t: RehearsalTimes): string[] {
  const ok = (b: boolean) => (b ? 'ok' : 'MISSED');
  const row = (label: string, r: TimedRun, target = '') => `${label.padEnd(44)} ${r.seconds.toFixed(1).padStart(8)} s   ${r.verdict}${target}`;
  const same = t.systemTestOneAtATime.verdict === t.systemTestConcurrent.verdict && t.systemTestConcurrent.exitCode === t.systemTestOneAtATime.exitCode;
  return [
    'rehearsal wall time (the CLI as a child process, reference provider, user timings; keys already made)',
    row(`rehearse (the default window), median of ${t.windowRuns.length}`, t.window, `   target <= ${REHEARSAL_TARGETS.windowS} s: ${ok(t.window.seconds <= REHEARSAL_TARGETS.windowS)}`),
    `${'  each run'.padEnd(44)} ${t.windowRuns.map((r) => `${r.seconds.toFixed(1)} s (${r.exitCode === 0 ? 'exit 0' : `exit ${r.exitCode}`})`).join(', ')}`,
    row('system test + OAT, one group at a time', t.systemTestOneAtATime),
    row('system test + OAT, groups side by side', t.systemTestConcurrent, `   target <= ${REHEARSAL_TARGETS.systemTestS} s: ${ok(t.systemTestConcurrent.seconds <= REHEARSAL_TARGETS.systemTestS)}`),
    `${'verdicts the same both ways'.padEnd(44)} ${same ? 'yes' : 'NO'}   (${(t.systemTestOneAtATime.seconds / t.systemTestConcurrent.seconds).toFixed(1)}× faster)`,
  ];
}

// `node dist/bench/rehearsal-times.js` measures only this.
if (process.argv[1]?.endsWith('rehearsal-times.js')) console.log(rehearsalTimeLines(await measureRehearsalTimes({ log: (m) => console.log(`[bench] ${m}`) })).join('\n'));
