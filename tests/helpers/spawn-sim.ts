// Run `cda-sim start` as a real child process (as a user would), and read its endpoints from stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../../simulator/core/paths.js';

export const CLI = path.join(packageRoot, 'bin', 'cda-sim.js');

export interface SpawnedSim {
  child: ChildProcess;
  http: string;
  admin: string;
  https?: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnSim(args: string[], timeoutMs = 60000): Promise<SpawnedSim> {
  const child = spawn(process.execPath, [CLI, 'start', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cda-sim did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = () => {
      if (!out.includes('is running')) return;
      const http = /C&A \(HTTP\):\s+(\S+)/.exec(out)?.[1];
      const admin = /admin API:\s+(\S+)\/admin\/status/.exec(out)?.[1];
      const https = /C&A \(HTTPS[^)]*\):\s+(\S+)/.exec(out)?.[1];
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        child,
        http: http!,
        admin: admin!,
        https,
        output: () => out,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cda-sim exited with ${code} before starting:\n${out}`));
    });
  });
}

export async function patFor(sim: SpawnedSim, userId: string): Promise<string> {
  const minted = (await (await fetch(`${sim.admin}/admin/users/${userId}/token`, { method: 'POST' })).json()) as { user_token: string };
  const res = await fetch(`${sim.http}/token`, {
    method: 'POST',
    headers: { 'X-Request-ID': crypto.randomUUID(), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: minted.user_token, scope: 'uma_protection' }),
  });
  const body = (await res.json()) as { access_token: string };
  if (!res.ok) throw new Error(`PAT for ${userId}: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}
