// Exit codes, as DESIGN section 4 fixes them.
export const EXIT = {
  ok: 0,
  checkFailed: 1,
  usage: 2,
  environment: 3,
  /** A run that paused before every phase asked for was played (never 0). */
  paused: 4,
  /** Stopped by Ctrl+C (SIGINT): 128 + 2, as shells report it. */
  interrupted: 130,
} as const;

/** An error whose message is meant for the user, with the exit code it maps to. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

/** Run a loader of the user's input: a plain error it throws (bad file, bad field) becomes a one-line usage error. */
export function asUsageError<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    throw err instanceof CliError ? err : new CliError((err as Error).message, EXIT.usage);
  }
}
