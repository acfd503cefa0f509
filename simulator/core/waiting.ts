// A run never waits in silence: a wait that lasts over 5 s is reported with what it waits for and
// for how long (`waiting for IT03's registration: 20 s of 60 s`). The waiter reports every second;
// whoever shows it decides how often to say so: a line every 10 s in CI, an in-place line on a terminal.

export interface WaitStatus {
  /** What is awaited, as it reads after "waiting for". */
  what: string;
  elapsedMs: number;
  /** How long it will be waited for at most; none for a wait with no limit (a command running). */
  limitMs?: number;
}

/** A wait going on (a status), or over (undefined, with what it was). */
export type WaitListener = (status: WaitStatus | undefined, what: string) => void;

/** Waits shorter than this say nothing. */
export const WAIT_NOTICE_MS = 5000;
/** In plain output (CI, no terminal), a long wait is said again this often. */
export const WAIT_LINE_EVERY_MS = 10_000;

/** Report a wait to `listener` from 5 s on, every second, and its end. Returns the function that ends it. */
export function watchWait(listener: WaitListener | undefined, what: string, limitMs?: number): () => void {
  if (!listener) return () => {};
  const started = Date.now();
  let reported = false;
  const timer = setInterval(() => {
    const elapsedMs = Date.now() - started;
    if (elapsedMs < WAIT_NOTICE_MS) return;
    reported = true;
    listener({ what, elapsedMs, limitMs }, what);
  }, 1000);
  // A wait being watched must not keep the process alive.
  timer.unref();
  return () => {
    clearInterval(timer);
    if (reported) listener(undefined, what);
  };
}

/** Watch a wait for as long as `waited` takes. */
export async function watched<T>(listener: WaitListener | undefined, what: string, limitMs: number | undefined, waited: () => Promise<T>): Promise<T> {
  const end = watchWait(listener, what, limitMs);
  try {
    return await waited();
  } finally {
    end();
  }
}

/** `waiting for IT03's registration: 20 s of 60 s` */
export function waitText(w: WaitStatus): string {
  const s = (ms: number) => Math.floor(ms / 1000);
  return `waiting for ${w.what}: ${s(w.elapsedMs)} s${w.limitMs !== undefined ? ` of ${s(w.limitMs)} s` : ''}`;
}

/** Plain lines for CI and logs: the first once a wait passes 5 s, then one every 10 s. */
export function waitLines(print: (line: string) => void): WaitListener {
  const lastSaid = new Map<string, number>();
  return (w, what) => {
    if (!w) return void lastSaid.delete(what);
    const last = lastSaid.get(what);
    if (last !== undefined && w.elapsedMs - last < WAIT_LINE_EVERY_MS - 500) return;
    lastSaid.set(what, w.elapsedMs);
    print(`    ${waitText(w)}`);
  };
}
