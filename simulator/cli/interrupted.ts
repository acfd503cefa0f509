// Ctrl+C (SIGINT) or SIGTERM, two ways: commands that keep servers up until the user stops them wait
// for it; a run stops at once on the first one and keeps what it played, and a second one quits outright.
import { EXIT } from '../core/exit-codes.js';
import { Interrupted, type InterruptedBy } from '../core/interruption.js';

export { Interrupted } from '../core/interruption.js';

// Resolves on Ctrl+C or SIGTERM: for commands that keep servers up until the user stops them.
export function untilInterrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * For the length of a run: the first Ctrl+C or SIGTERM aborts `signal` (the run stops, writes its
 * reports marked INTERRUPTED and exits 130); a second one exits 130 at once. `release` hands the
 * signals back. SIGTERM is what a cancelled CI job, `docker stop` or a process manager sends: the run
 * it stops is kept with its reports, as after Ctrl+C.
 */
export function interruptOnCtrlC(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const on = (by: InterruptedBy) => () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    console.error(`\ncda-sim: interrupted (${by}): stopping and writing the reports for what was played (${by} again quits at once)`);
    controller.abort(new Interrupted(by));
  };
  const onSigint = on('Ctrl+C');
  const onSigterm = on('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    },
  };
}
