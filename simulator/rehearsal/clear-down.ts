// Clear-down, the first phase of the window: every rehearsal starts from an empty CDA (what
// `cda-sim reset` does: registrations, tokens, RPTs, fault rules, reporting submissions, the journal)
// and, when the config says how, from a provider whose test data has been cleared too. PDP publishes
// no clear-down procedure (test-phases §3.3), so the provider's part is whatever the config gives:
// a shell command, a URL cda-sim POSTs to, or both.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { CliError, EXIT } from '../core/exit-codes.js';
import { call, type TlsClientOptions } from '../http/client.js';
import type { SimulatedCda } from '../scenarios/context.js';
import { watched, type WaitListener } from '../core/waiting.js';

export interface ClearDownTarget {
  /** Keep the reporting submissions already received (they are what `--reporting` judges). */
  keepSubmissions?: boolean;
  command?: string;
  url?: string;
  tls?: TlsClientOptions;
  /** The built-in reference provider's state file: removed, so it starts with no PATs or PeIs. */
  referenceStateFile?: string;
}

/**
 * What `cda-sim reset` clears. Reporting submissions are kept when they are what the run judges
 * (`--reporting` against your own provider: what it sent today, before the rehearsal).
 */
async function clearSimulator(sim: SimulatedCda, keepSubmissions: boolean): Promise<string> {
  sim.store.reset();
  sim.journal.clear();
  if (!keepSubmissions) sim.submissions.clear();
  // Fault rules live in the running simulator: the admin API clears them.
  if (sim.endpoints.admin) {
    const res = await call({ method: 'DELETE', url: `${sim.endpoints.admin}/admin/faults`, headers: sim.adminHeaders, timeoutMs: 10000 });
    if (res.status !== 200) throw new CliError(`the simulator refused to clear its fault rules: HTTP ${res.status}`, EXIT.environment);
  }
  return `the CDA was reset: registrations, tokens, RPTs, fault rules and the journal${keepSubmissions ? ' (today’s reporting submissions are kept: they are judged)' : ', reporting submissions'}`;
}

/** Run the provider's clear-down command, without blocking the run (its waits are reported, Ctrl+C is heard). */
function runClearDownCommand(command: string, progress: (line: string) => void, signal?: AbortSignal): Promise<{ status: number | null; error?: Error }> {
  return new Promise((resolve) => {
    // Its own process group, so an interrupted run (Ctrl+C) stops it and everything it started.
    const child = spawn(command, { shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60 * 1000 });
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
    };
    signal?.addEventListener('abort', stop, { once: true });
    child.on('exit', () => signal?.removeEventListener('abort', stop));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (error) => resolve({ status: null, error }));
    child.on('close', (status) => {
      for (const l of out.split(/\r?\n/)) if (l) progress(`  | ${l}`);
      resolve({ status });
    });
  });
}

export async function clearDown(sim: SimulatedCda, target: ClearDownTarget, progress: (line: string) => void, run: { waiting?: WaitListener; signal?: AbortSignal } = {}): Promise<void> {
  const { waiting } = run;
  progress(await clearSimulator(sim, target.keepSubmissions === true));
  if (target.referenceStateFile && fs.existsSync(target.referenceStateFile)) {
    fs.rmSync(target.referenceStateFile);
    progress('the reference provider’s PATs and PeIs were cleared');
  }
  if (target.command) {
    progress(`provider clear-down: ${target.command}`);
    const r = await watched(waiting, 'the provider clear-down command to finish', 10 * 60 * 1000, () => runClearDownCommand(target.command!, progress, run.signal));
    if (r.error || r.status !== 0) throw new CliError(`the provider clear-down command (provider.clearDown.command) failed: ${r.error?.message ?? `exit ${r.status}`}`, EXIT.environment);
  }
  if (target.url) {
    const posted = call({ method: 'POST', url: target.url, headers: { 'X-Request-ID': randomUUID() }, tls: target.tls, timeoutMs: 60000 });
    const res = await watched(waiting, `the provider clear-down URL's answer`, 60000, () => posted).catch((err: Error) => {
      throw new CliError(`the provider clear-down URL (provider.clearDown.url) ${target.url} cannot be reached: ${err.message}`, EXIT.environment);
    });
    if (res.status >= 300) throw new CliError(`the provider clear-down URL (provider.clearDown.url) answered ${res.status}`, EXIT.environment);
    progress(`provider clear-down: POST ${target.url} → ${res.status}`);
  }
}
