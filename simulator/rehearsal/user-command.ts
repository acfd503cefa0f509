// A command of the user's that a run waits on (`--apply-updates`, `--submit-reporting`): run in a
// shell, its output relayed as progress lines, the wait reported while it lasts, and stopped with
// everything it started when the run is interrupted.
import { spawn } from 'node:child_process';
import { CliError, EXIT } from '../core/exit-codes.js';
import { watched, type WaitListener } from '../core/waiting.js';

export interface UserCommand {
  /** The command line, as the shell runs it. */
  line: string;
  /** The option that gave it, for messages (`--apply-updates`). */
  option: string;
  /** What the command is told, beside the environment cda-sim runs in. */
  env: Record<string, string>;
}

export interface UserCommandContext {
  progress: (line: string) => void;
  waiting?: WaitListener;
  signal?: AbortSignal;
}

/** Run the command to its end: resolves with its exit code; rejects if it cannot start or the run is interrupted. */
export function runUserCommand(cmd: UserCommand, ctx: UserCommandContext): Promise<number> {
  const { progress, signal } = ctx;
  const finished = new Promise<number>((resolve, reject) => {
    const child = spawn(cmd.line, {
      shell: true,
      // Its own process group, so an interrupted run can stop the command and everything it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...cmd.env },
    });
    const relay = (prefix: string) => (chunk: Buffer) => {
      for (const l of chunk.toString('utf8').split(/\r?\n/)) if (l) progress(`  ${prefix}${l}`);
    };
    child.stdout.on('data', relay('| '));
    child.stderr.on('data', relay('! '));
    // An interrupted run does not leave the command running behind it.
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
    };
    signal?.addEventListener('abort', stop, { once: true });
    child.on('error', (err) => reject(new CliError(`the ${cmd.option} command could not be started: ${err.message}`, EXIT.environment)));
    child.on('close', (code) => {
      signal?.removeEventListener('abort', stop);
      if (signal?.aborted) reject(signal.reason);
      else resolve(code ?? 1);
    });
  });
  return watched(ctx.waiting, `the ${cmd.option} command to finish`, undefined, () => finished);
}
