// The integration window (test-phases §3.4–3.8): phases in order (clear-down, connection proving,
// Stage 1, update file, Stage 2, reporting) against a time budget, 3 hours by default. Each phase's
// elapsed time goes to the progress lines and into the reports.
import type { Clock } from '../core/clock.js';
import type { RunEventListener } from '../scenarios/events.js';
import { fmtHms as hms } from '../reports/model.js';
import type { PhaseTiming, WindowSummary } from '../scenarios/run-results.js';


export class IntegrationWindow {
  private readonly timings: PhaseTiming[];

  constructor(
    private readonly budgetMs: number,
    private readonly clock: Clock,
    private readonly progress: (line: string) => void,
    /** Phases already run, when a paused run resumes. */
    earlier: PhaseTiming[] = [],
    /** Every phase of the window is announced as run events (a progress display shows them all). */
    private readonly emit: RunEventListener = () => {},
  ) {
    this.timings = [...earlier];
  }

  get elapsedMs(): number {
    return this.timings.reduce((sum, p) => sum + p.elapsedMs, 0);
  }

  /** Run one phase; `phase` and `testCases` say which scenario phase it plays, when it plays one. */
  async phase<T>(name: string, run: () => Promise<T>, about: { phase?: string; testCases?: number } = {}): Promise<T> {
    const started = this.clock.now();
    const phase = about.phase ?? name;
    this.progress(`\n== ${name} (window ${hms(this.elapsedMs)} of ${hms(this.budgetMs)} used) ==`);
    this.emit({ type: 'phase-start', phase, title: name, testCases: about.testCases ?? 0, time: new Date(started).toISOString() });
    try {
      return await run();
    } finally {
      const finished = this.clock.now();
      this.emit({ type: 'phase-end', phase, elapsedMs: finished - started, time: new Date(finished).toISOString() });
      const overBefore = this.elapsedMs > this.budgetMs;
      this.timings.push({ name, startedAt: new Date(started).toISOString(), finishedAt: new Date(finished).toISOString(), elapsedMs: finished - started });
      this.progress(`== ${name}: ${hms(finished - started)} (${finished - started} ms); window ${hms(this.elapsedMs)} of ${hms(this.budgetMs)} ==`);
      if (!overBefore && this.elapsedMs > this.budgetMs) this.progress(`WINDOW OVERRUN: the phases have taken ${hms(this.elapsedMs)}, more than the ${hms(this.budgetMs)} window`);
    }
  }

  /** A phase that did not play, recorded with why (it takes no time of the window). */
  skipped(name: string, reason: string): void {
    const at = new Date(this.clock.now()).toISOString();
    this.timings.push({ name, startedAt: at, finishedAt: at, elapsedMs: 0, skipped: reason });
    this.progress(`\n== ${name}: NOT RUN (skipped: ${reason}) ==`);
  }

  summary(): WindowSummary {
    return { budgetMs: this.budgetMs, elapsedMs: this.elapsedMs, overBudget: this.elapsedMs > this.budgetMs, phases: [...this.timings] };
  }
}
