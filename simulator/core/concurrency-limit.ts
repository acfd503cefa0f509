// At most `n` tasks at once; the others wait their turn, in the order they asked. A finishing task
// hands its place straight to the next in line, so no newcomer slips in between and `n` is never exceeded.

/** Runs each task given when one of its `n` places is free. A task's failure is its caller's. */
export function concurrencyLimit(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let free = Math.max(1, Math.floor(n));
  const waiting: (() => void)[] = [];
  const acquire = (): Promise<void> => (free > 0 ? (free--, Promise.resolve()) : new Promise<void>((go) => waiting.push(go)));
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    await acquire();
    try {
      return await task();
    } finally {
      release();
    }
  };
}
