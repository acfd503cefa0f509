// The `cda-sim` command as a user runs it, in a child process, without blocking the event loop
// (so a test can serve requests, e.g. a provider of its own, while the command runs).
import { spawn } from 'node:child_process';
import { CLI } from './spawn-sim.js';

export function cliProcess(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
