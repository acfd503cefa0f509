// The live progress display on a terminal: one status line under the scrolling progress lines,
// redrawn as the run's lifecycle events arrive and once a second:
//   connection-proving · test case 3 of 9 · CP-03 The PeI is registered… · elapsed 0:00:12 · budget left 2:59:48 · 2 passed, 0 failed
// The state is a fold over events and the line a pure function of state and time, so both are
// tested without a terminal or a clock. In CI (--ci, or no terminal) plain lines are printed instead.
import type { RunEvent } from '../scenarios/events.js';
import { waitText, type WaitListener, type WaitStatus } from '../core/waiting.js';

/** For a run that carries no window budget in its run-start event: PDP's integration window. */
export const DEFAULT_BUDGET_MS = 3 * 60 * 60 * 1000;

export interface ProgressState {
  startedAt?: number;
  budgetMs: number;
  phase?: string;
  /** Position in the phase: test case n of N. */
  index: number;
  total: number;
  /** Test cases finished in the whole run, and how many the run has. */
  done: number;
  runTotal: number;
  current?: { id: string; title: string };
  passed: number;
  failed: number;
  finished: boolean;
  /** A wait of over 5 s going on: what, and for how long so far. */
  waiting?: WaitStatus;
}

export function initialProgress(budgetMs = DEFAULT_BUDGET_MS): ProgressState {
  return { budgetMs, index: 0, total: 0, done: 0, runTotal: 0, passed: 0, failed: 0, finished: false };
}

export function nextProgress(s: ProgressState, e: RunEvent): ProgressState {
  switch (e.type) {
    case 'run-start':
      // A window budget carried by the run wins over the display's default.
      return { ...s, startedAt: Date.parse(e.time), budgetMs: e.budgetMs ?? s.budgetMs, runTotal: e.testCases };
    case 'phase-start':
      return { ...s, phase: e.phase, index: 0, total: e.testCases, current: undefined };
    case 'test-start':
      return { ...s, phase: e.phase, index: e.index, total: e.total, current: { id: e.id, title: e.title } };
    case 'test-end':
      return { ...s, done: s.done + 1, passed: s.passed + (e.result.verdict === 'pass' ? 1 : 0), failed: s.failed + (e.result.verdict === 'pass' ? 0 : 1), current: s.current?.id === e.result.id ? undefined : s.current };
    case 'phase-end':
      return { ...s, current: undefined };
    case 'run-end':
      return { ...s, finished: true, current: undefined };
  }
}

/** 0:00:12, 2:59:48: hours are what a 3-hour window is counted in. */
export function clock(ms: number): string {
  const t = Math.floor(Math.max(0, ms) / 1000);
  return `${Math.floor(t / 3600)}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}

export function renderProgress(s: ProgressState, now: number, width = 120): string {
  const elapsed = s.startedAt === undefined ? 0 : now - s.startedAt;
  const left = s.budgetMs - elapsed;
  const parts = [
    s.phase ?? 'starting',
    s.total ? `test case ${s.index} of ${s.total}` : s.runTotal ? `${s.runTotal} test case(s)` : '',
    s.current ? `${s.current.id} ${s.current.title}` : '',
    s.waiting ? waitText(s.waiting) : '',
    `elapsed ${clock(elapsed)}`,
    left >= 0 ? `budget left ${clock(left)}` : `OVER BUDGET by ${clock(-left)}`,
    `${s.passed} passed, ${s.failed} failed`,
  ].filter(Boolean);
  const line = parts.join(' · ');
  if (line.length <= width) return line;
  // Too wide: shorten the title first, it is the part a glance needs least.
  const over = line.length - width;
  if (s.current && s.current.title.length > over) {
    return renderProgress({ ...s, current: { ...s.current, title: `${s.current.title.slice(0, s.current.title.length - over - 1)}…` } }, now, width);
  }
  return `${line.slice(0, width - 1)}…`;
}

export interface Terminal {
  write(text: string): unknown;
  columns?: number;
}

/** The display itself: progress lines scroll above; the status line is redrawn in place. */
/** What the display watches to know a prompt is reading the terminal: stdin's 'resume' and 'pause'. */
export interface TerminalInput {
  on(event: 'resume' | 'pause', listener: () => void): unknown;
}

export class LiveProgress {
  private state: ProgressState;
  private timer: NodeJS.Timeout;
  private shown = false;
  /** A prompt is reading the terminal (the Stage 2 update file question): the status line keeps still. */
  private held = false;

  constructor(
    private term: Terminal,
    budgetMs = DEFAULT_BUDGET_MS,
    private now: () => number = Date.now,
    input?: TerminalInput,
  ) {
    this.state = initialProgress(budgetMs);
    // Elapsed time moves between events too; the timer must not keep the process alive.
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
    input?.on('resume', () => {
      this.held = true;
      // What the prompt writes starts on a new line; the last status stays above it as it was.
      this.shown = false;
    });
    input?.on('pause', () => {
      this.held = false;
      this.draw();
    });
  }

  readonly onEvent = (e: RunEvent): void => {
    this.state = nextProgress(this.state, e);
    this.draw();
  };

  /** A long wait is shown in the status line, in place, as it goes. */
  readonly onWait: WaitListener = (status, what) => {
    if (status) this.state = { ...this.state, waiting: status };
    else if (this.state.waiting?.what === what) this.state = { ...this.state, waiting: undefined };
    this.draw();
  };

  readonly log = (line: string): void => {
    this.clear();
    this.term.write(`${line}\n`);
    this.draw();
  };

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private clear(): void {
    if (this.shown) this.term.write('\r\x1b[2K');
    this.shown = false;
  }

  private draw(): void {
    if (this.held) return;
    if (this.state.finished) return this.clear();
    this.clear();
    this.term.write(renderProgress(this.state, this.now(), (this.term.columns ?? 120) - 1));
    this.shown = true;
  }
}

/**
 * The live display when the output is a terminal and this is not CI (--ci, or the CI variable
 * that CI services set); otherwise undefined, and the caller prints plain lines.
 */
export function liveProgressFor(args: { ci?: boolean }, out: NodeJS.WriteStream = process.stdout): LiveProgress | undefined {
  if (args.ci || !out.isTTY || (process.env.CI && process.env.CI !== 'false')) return undefined;
  return new LiveProgress(out, DEFAULT_BUDGET_MS, Date.now, process.stdin);
}
