// Work that runs after the find has been answered: matching and registration happen after the 202
// (pdp-protocol §2 step 3: acknowledge first, then match). This keeps track of that work, so
// tests and rehearsals can wait for it (idle) and close() can stop waiting retries at once.
import { setMaxListeners } from 'node:events';

export class Background {
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly log: (line: string) => void) {
    // Every retry waiting to be cut short listens on it: many at once under load are expected, not a leak.
    setMaxListeners(0, this.stopping.signal);
  }

  /** Start a task; its failure is logged, never thrown at the caller (who has long been answered). */
  run(what: string, task: () => Promise<void>): void {
    const p = Promise.resolve()
      .then(task)
      .catch((err: unknown) => this.log(`${what}: stopped: ${(err as Error).message}`))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Resolves when every task started so far (and any they started) has finished. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** A sleep that close() cuts short (it then rejects, ending the retry loop that waits on it). */
  sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const signal = this.stopping.signal;
      if (signal.aborted) return reject(new Error('the provider is closing'));
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Error('the provider is closing'));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });

  /** Cut every pending sleep short, then wait for the tasks to wind down. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.idle();
  }
}
