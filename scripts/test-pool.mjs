// The test runner's pool: runs uvu test files a few at a time, each in its own process, and says
// as each finishes its name, time and counts (a failing file's whole output first), and every
// minute which files are still running. Used by scripts/test.mjs; tests/test-runner.test.ts
// drives it with small test files of its own.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const UVU = path.join(root, 'node_modules', 'uvu', 'bin.js');

export const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

/**
 * A test file that says `@judges-timing` in its comments judges how long something took (retry
 * spacing, a tight loop) and keeps the normal CPU priority; every other file runs at a lower one
 * (nice 10, children included), so that on a busy machine the timers being judged still fire on time.
 */
export const JUDGES_TIMING = '@judges-timing';
const BACKGROUND_PRIORITY = 10;

function judgesTiming(file) {
  try {
    return fs.readFileSync(file, 'utf8').includes(JUDGES_TIMING);
  } catch {
    return false;
  }
}

/** uvu's summary of one file's output. */
function counts(output) {
  const n = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(output)?.[1] ?? 0);
  const total = n('Total');
  const passed = n('Passed');
  const skipped = n('Skipped');
  return { total, passed, skipped, failed: total - passed - skipped };
}

// Each file runs in a process group of its own, so a file stopped at its limit takes the processes it
// started (the CLI, a provider, Chromium) with it; Ctrl+C or a TERM to the runner stops every group.
const running = new Set();
const stopGroup = (child) => {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
};
let signalsHandled = false;
function stopAllOnSignals() {
  if (signalsHandled) return;
  signalsHandled = true;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      for (const child of running) stopGroup(child);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

function runFile(file, o) {
  return new Promise((resolve) => {
    const started = Date.now();
    const exact = `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
    const child = spawn(process.execPath, [UVU, o.dir, exact, '--no-color'], {
      cwd: root,
      env: { ...process.env, ...o.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    if (!judgesTiming(path.resolve(root, o.dir, file))) {
      try {
        os.setPriority(child.pid, BACKGROUND_PRIORITY);
      } catch {
        // Already gone, or not allowed: it runs at the normal priority.
      }
    }
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const still = setInterval(() => o.log(`… still running: ${o.label(file)} (${Math.round((Date.now() - started) / 1000)}s)`), o.stillEveryMs);
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      stopGroup(child);
    }, o.limitMs);
    child.on('close', (code, signal) => {
      running.delete(child);
      clearInterval(still);
      clearTimeout(limit);
      const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
      resolve({ file, ms: Date.now() - started, code, signal, timedOut, output: plain, ...counts(plain) });
    });
  });
}

/** Logs one line per finished file; a file that crashed or ran no test counts one failure. */
function report(r, o) {
  const crashed = r.code !== 0 && r.failed === 0;
  const empty = r.total === 0;
  const failed = r.failed + (crashed || empty ? 1 : 0);
  if (failed) o.log(`\n${r.output.trimEnd()}`);
  // uvu prints nothing when a test.before or test.after hook throws: say so rather than stay silent.
  const hookThrew = r.failed > 0 && !/\bFAIL\b/.test(r.output);
  const why = r.timedOut
    ? ` (stopped after ${seconds(o.limitMs)})`
    : crashed
      ? ` (exit ${r.code ?? r.signal})`
      : empty
        ? ' (no test was executed)'
        : hookThrew
          ? ' (uvu gave no reason: a test.before or test.after hook threw)'
          : '';
  const skipped = r.skipped ? `, ${r.skipped} skipped` : '';
  o.log(`${failed ? '✗' : '✓'} ${o.label(r.file)}  ${seconds(r.ms)}  ${r.passed} passed${failed ? `, ${failed} failed${why}` : ''}${skipped}`);
  return { ...r, failed };
}

/**
 * Runs `files` (names in `dir`) `jobs` at a time, in the order given; resolves to one result per file.
 * Options: env (added to each file's), log (one line), label (a file's name as printed),
 * stillEveryMs (default 60 s), limitMs (a file is stopped and failed after this; default 15 min).
 */
export async function runTestFiles(files, options) {
  const o = { env: {}, log: console.log, label: (f) => f, stillEveryMs: 60_000, limitMs: 15 * 60_000, ...options };
  stopAllOnSignals();
  const queue = [...files];
  const results = [];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) results.push(report(await runFile(file, o), o));
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, files.length) }, worker));
  return results;
}

/** The line CI reads, always last: "N passed, N failed" (", N skipped" when some were). */
export function closingLine(results) {
  const sum = (k) => results.reduce((s, r) => s + r[k], 0);
  const failed = sum('failed') + (sum('passed') === 0 && sum('failed') === 0 ? 1 : 0);
  return `${sum('passed')} passed, ${failed} failed${sum('skipped') ? `, ${sum('skipped')} skipped` : ''}`;
}
