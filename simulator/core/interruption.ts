// How a run was interrupted by the person or the system running it: Ctrl+C (SIGINT) at a terminal,
// SIGTERM from a CI job being cancelled, `docker stop` or a process manager. Either stops a run the
// same way (it keeps what it played and writes its reports); the reports say which it was.

export type InterruptedBy = 'Ctrl+C' | 'SIGTERM';

/** What a run's `signal` carries once it was interrupted. */
export class Interrupted extends Error {
  constructor(readonly by: InterruptedBy = 'Ctrl+C') {
    super(`interrupted (${by})`);
  }
}

/** How the run whose signal this is was interrupted ("Ctrl+C" when it does not say). */
export function interruptedBy(signal: AbortSignal | undefined): InterruptedBy {
  const reason: unknown = signal?.reason;
  return reason instanceof Interrupted ? reason.by : 'Ctrl+C';
}
