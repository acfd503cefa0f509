// Run the reference provider as a real child process (`cda-sim provider`), as a provider's own
// system would run beside cda-sim, and read its URLs from stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CLI } from './spawn-sim.js';
import { loadTestData } from '../../simulator/testdata/records.js';

// Ports for a config that must name them before anything listens. Not the OS's pick (listen(0),
// then closed): that comes from the ephemeral range, where any other process's next listen(0) or
// outgoing connection may take it before the test's server binds it, as happens when test files
// run side by side. A random port below that range that is free right now, and claimed by creating a
// file of its name (exclusive create: test files run in parallel processes), so no two callers of
// this ever get the same one; a claim is dropped when its process exits, or after an hour.
const PICKED_PORTS = { from: 20000, to: 32767 };
const CLAIMS = path.join(os.tmpdir(), 'cda-sim-test-ports');
const CLAIM_TTL_MS = 3_600_000;
const claimed: string[] = [];
process.once('exit', () => claimed.forEach((f) => fs.rmSync(f, { force: true })));

/** Claim a port for this process; false when another process holds a live claim on it. */
function claim(port: number): boolean {
  fs.mkdirSync(CLAIMS, { recursive: true });
  const file = path.join(CLAIMS, String(port));
  try {
    if (Date.now() - fs.statSync(file).mtimeMs > CLAIM_TTL_MS) fs.rmSync(file, { force: true });
  } catch {
    // no claim yet
  }
  try {
    fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
    claimed.push(file);
    return true;
  } catch {
    return false;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port free right now, below the ephemeral range (see above). */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = PICKED_PORTS.from + Math.floor(Math.random() * (PICKED_PORTS.to - PICKED_PORTS.from + 1));
    if (claim(port) && (await canListen(port))) return port;
  }
  throw new Error(`no free port between ${PICKED_PORTS.from} and ${PICKED_PORTS.to} after 200 tries`);
}

export interface SpawnedProvider {
  child: ChildProcess;
  findUrl: string;
  viewUrl: string;
  jwksUrl: string;
  output: () => string;
  stop(): void;
}

/** `cda-sim provider --port 0 …` against a C&A on these ports (with deliberate defects, `faults`); resolves once it prints its URLs. */
export async function spawnProvider(opts: { httpsPort: number; httpPort: number; certsDir: string; stateDir: string; faults?: string[] }, timeoutMs = 15000): Promise<SpawnedProvider> {
  const faults = (opts.faults ?? []).flatMap((f) => ['--fault', f]);
  const child = spawn(
    process.execPath,
    [CLI, 'provider', '--port', '0', '--ca-url', `http://localhost:${opts.httpPort}`, '--ca-issuer', `https://localhost:${opts.httpsPort}`, '--certs-dir', opts.certsDir, '--state-dir', opts.stateDir, ...faults],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('Press Ctrl+C') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  const url = (label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(out)?.[1];
  if (!url('find URL')) {
    child.kill('SIGKILL');
    throw new Error(`the reference provider did not start:\n${out}`);
  }
  return { child, findUrl: url('find URL')!, viewUrl: url('view URL')!, jwksUrl: url('JWKS')!, output: () => out, stop: () => child.kill('SIGTERM') };
}

/**
 * The `provider` section of a cda-sim config for a reference provider run as "your own": its URLs,
 * the test data pack's holdernames and its JWKS. `over` adds or replaces fields (name, tls, clearDown…).
 */
export function ownProviderSection(p: { findUrl: string; viewUrl: string; jwksUrl: string }, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'own provider',
    findUrl: p.findUrl,
    viewUrl: p.viewUrl,
    holdernameGuids: loadTestData().holdernames.map((h) => h.holdernameGuid),
    viewTokenKey: { jwksUrl: p.jwksUrl },
    ...over,
  };
}
