// Ctrl+C (SIGINT), two ways: commands that keep servers up until the user stops them wait for it;
// a run stops at once on the first one and keeps what it played, and a second one quits outright.
import { EXIT } from '../core/exit-codes.js';

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

/** What a run's `signal` carries once Ctrl+C has stopped it. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted (Ctrl+C)');
  }
}

/**
 * For the length of a run: the first Ctrl+C aborts `signal` (the run stops, writes its reports
 * marked INTERRUPTED and exits 130); a second one exits 130 at once. `release` hands Ctrl+C back.
 */
export function interruptOnCtrlC(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    console.error('\ncda-sim: interrupted (Ctrl+C): stopping and writing the reports for what was played (Ctrl+C again quits at once)');
    controller.abort(new Interrupted());
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, release: () => process.off('SIGINT', onSigint) };
}
