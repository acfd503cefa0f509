// Helpers for the benchmarks: spawn a server process and read its URLs, stop it, get a PAT, and
// drive POST /rreguri with autocannon (a fresh X-Request-ID and PeI name on every request).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

/** The project root: this file runs from dist/bench/. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CDA_SIM_BIN = path.join(ROOT, 'bin', 'cda-sim.js');
export const BARE_EXPRESS = fileURLToPath(new URL('./bare-express.js', import.meta.url));

export interface Server {
  child: ChildProcess;
  /** "label: url" lines the process printed, e.g. { 'C&A (HTTP)': 'http://localhost:1234' }. */
  urls: Record<string, string>;
  /** Milliseconds from spawn until every wanted URL line was printed. */
  readyMs: number;
  spawnedAt: number;
}

/**
 * Spawn `node <nodeArgs> <script> <args>` and wait until it has printed a URL for every label in
 * `want`. Its own process, so the server and the load generator each get a core.
 */
export function spawnServer(nodeArgs: string[], script: string, args: string[], want: string[]): Promise<Server> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const urls: Record<string, string> = {};
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    let buffered = '';
    let ready = false;
    const onExit = (code: number | null) => fail(new Error(`${path.basename(script)} exited (${code}) before it was ready:\n${stderr}`));
    const timer = setTimeout(() => fail(new Error(`${path.basename(script)} did not print its URLs within 120 s`)), 120_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('exit', onExit);
    // Keep reading stdout after readiness, so a full pipe can never block the server.
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const m = /^\s*(.+?):\s+(https?:\/\/\S+)/.exec(buffered.slice(0, nl));
        if (m) urls[m[1]] = m[2].replace(/\/admin\/status$/, '');
        buffered = buffered.slice(nl + 1);
      }
      if (!ready && want.every((w) => urls[w])) {
        ready = true;
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve({ child, urls, readyMs: performance.now() - spawnedAt, spawnedAt });
      }
    });
  });
}

/** SIGTERM and wait for a graceful exit (cda-sim writes its snapshot then). Returns milliseconds. */
export function stopServer(s: Server): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    if (s.child.exitCode !== null) return resolve(0);
    const timer = setTimeout(() => {
      s.child.kill('SIGKILL');
      reject(new Error('server did not stop within 60 s of SIGTERM'));
    }, 60_000);
    s.child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // Killed by the signal itself means its handler was not installed yet: no graceful save.
      if (signal) console.warn(`[bench] warning: pid ${s.child.pid} was killed by ${signal} instead of shutting down gracefully`);
      resolve(performance.now() - t0);
    });
    s.child.kill('SIGTERM');
  });
}

export function startCdaSim(stateDir: string, certsDir: string, nodeArgs: string[] = []): Promise<Server> {
  const args = ['start', '--state-dir', stateDir, '--certs-dir', certsDir, '--https-port', '-1', '--http-port', '0', '--admin-port', '0'];
  return spawnServer(nodeArgs, CDA_SIM_BIN, args, ['C&A (HTTP)', 'admin API']);
}

export const startBareExpress = () => spawnServer([], BARE_EXPRESS, [], ['bare express (HTTP)']);

async function postJson(url: string, init: RequestInit): Promise<Record<string, string>> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** A PAT for test user CP01: a user token from the admin API, exchanged at /token. */
export async function getPat(adminBase: string, caBase: string): Promise<string> {
  const { user_token } = await postJson(`${adminBase}/admin/users/CP01/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: user_token, scope: 'uma_protection' });
  const { access_token } = await postJson(`${caBase}/token`, { method: 'POST', headers: { 'X-Request-ID': randomUUID() }, body: form });
  return access_token;
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc on Linux; null elsewhere.
 * CPU per request tells whether a server was the bottleneck, independent of the load generator.
 */
export function processCpuMs(pid: number | undefined): number | null {
  try {
    // Fields after the "(command)" part: utime and stime are the 12th and 13th, in clock ticks.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

export interface LoadFigures {
  requests: number;
  reqPerSec: number;
  p99Ms: number;
  p50Ms: number;
  non2xx: number;
  /** Connection errors and timeouts: also make a run invalid. */
  errors: number;
  /** Answers other than 201: a 200 or 409 would mean a repeated request id or name. */
  non201: number;
  seconds: number;
  /** Server CPU per request (µs) and its CPU use (% of one core), when the OS tells us. */
  serverCpuUsPerReq?: number | null;
  serverCpuPercent?: number | null;
}

/**
 * POST /rreguri load: every request gets a fresh X-Request-ID and a fresh asset GUID, so each one
 * is a new registration (a repeat would answer 409 or 200 and measure the wrong path).
 */
export async function registrationLoad(base: string, pat: string, opts: { connections: number; duration?: number; amount?: number; server?: Server }): Promise<LoadFigures> {
  const holder = randomUUID();
  const cpu0 = processCpuMs(opts.server?.child.pid);
  const result = await autocannon({
    url: base,
    connections: opts.connections,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? 10 }),
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/rreguri',
        setupRequest: (req) => ({
          ...req,
          headers: { Authorization: `Bearer ${pat}`, 'X-Request-ID': randomUUID(), 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: `urn:pei:${holder}:${randomUUID()}`, description: 'BENCH SCHEME', match_status: 'match-yes', resource_scopes: ['owner', 'value'] }),
        }),
      },
    ],
  });
  const total = result.requests.total;
  const cpu1 = processCpuMs(opts.server?.child.pid);
  const cpuMs = cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null;
  const count201 = result.statusCodeStats?.['201']?.count ?? 0;
  return {
    requests: total,
    // Completed requests over the elapsed time (autocannon's per-second mean drops partial seconds).
    reqPerSec: total / result.duration,
    p99Ms: result.latency.p99,
    p50Ms: result.latency.p50,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    non201: total - count201,
    seconds: result.duration,
    serverCpuUsPerReq: cpuMs === null ? null : Math.round((cpuMs * 1000) / total),
    serverCpuPercent: cpuMs === null ? null : Math.round(cpuMs / (10 * result.duration)),
  };
}

/** Time one request from "spawned" to "answered": the restart figure. */
export async function firstAnswerMs(s: Server, url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return performance.now() - s.spawnedAt;
}
