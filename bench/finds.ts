// The soak driver's own capacity: signed finds a second that `cda-sim soak` sends and has
// acknowledged when the provider costs nothing, next to this machine's signing limit measured in the
// same run. The provider is bench/find-sink.ts in its own process (HTTPS with mTLS, answers 202 to a
// fresh, signed find, verifies one in 50); the soak is the real one (its open-model schedule, its
// simulated C&A, its journal and run record), offered as many finds a second as its signing threads
// can sign. A find counts only when signed freshly and answered 202 over HTTPS with mTLS, and the
// sink's own count must agree with the soak's.
//
//   node dist/bench/finds.js [--duration 8]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../simulator/core/clock.js';
import { ensureMaterial } from '../simulator/crypto/material.js';
import { call } from '../simulator/http/client.js';
import { soak } from '../simulator/soak/soak.js';
import { parseThresholds } from '../simulator/soak/thresholds.js';
import { startSimulator } from '../simulator/server/simulator.js';
import { measureSigningLimit, type SigningLimit } from './signing-limit.js';
import { processCpuMs, ROOT, spawnServer, stopServer } from './lib.js';

/** Signatures a find needs: the user token and the find request token. */
export const SIGNATURES_PER_FIND = 2;

export interface SinkCounts {
  acknowledged: number;
  refused: number;
  verified: number;
  connections: number;
  resumedSessions: number;
}

export interface FindFigures {
  limit: SigningLimit;
  offeredPerSec: number;
  /** Finds the sink acknowledged a second in the steady state: from the first second to the end of the schedule. */
  findsPerSec: number;
  steadySeconds: number;
  /** Finds answered 202 a second, as the soak counts them, over its whole time (warm-up and drain included). */
  wholeSoakPerSec: number;
  acknowledged: number;
  refusedByBound: number;
  findAckP99Ms: number;
  sink: SinkCounts;
  /** The soak process's CPU (all its threads) and the sink's, per acknowledged find, in the steady state. */
  driverCpuUsPerFind: number;
  sinkCpuUsPerFind: number | null;
  /** Finds a second over what cda-sim's signing threads can sign alone (the target), and over all cores. */
  ratio: number;
  ratioAllCores: number;
}

function sinkConfig(dir: string, findUrl: string): string {
  const file = path.join(dir, 'find-sink.yaml');
  const base = findUrl.replace(/\/find$/, '');
  // The sink registers nothing, so no view is ever asked for: the view settings only satisfy the config's rules.
  fs.writeFileSync(file, `provider:\n  name: find sink\n  findUrl: ${findUrl}\n  viewUrl: ${base}/view\n  holdernameGuids: [3f9a6a3e-1d2b-4c8e-9f10-2a6b7c8d9e01]\n  viewTokenKey:\n    jwksUrl: ${base}/jwks\n`);
  return file;
}

/** A moment of the steady state: the sink's count of acknowledged finds, and the CPU used so far. */
interface Mark {
  atMs: number;
  acknowledged: number;
  cpuUs: number;
  sinkCpuMs: number | null;
}

/** Marks are taken once a second from this far into the soak: the first second warms connections and code up. */
const STEADY_FROM_MS = 1000;

export async function measureFinds(opts: { durationS: number; log: (s: string) => void }): Promise<FindFigures> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-bench-finds-'));
  const certsDir = path.join(tmp, 'certs');
  const { material } = await ensureMaterial(certsDir, { clock: systemClock });
  const limit = await measureSigningLimit({ durationS: Math.min(opts.durationS, 4), key: material.keys.pfs, log: opts.log });
  const sink = await spawnServer([], path.join(ROOT, 'dist', 'bench', 'find-sink.js'), ['--certs-dir', certsDir], ['find sink']);
  try {
    const offeredPerSec = Math.round(limit.signingThreadsPerSec / SIGNATURES_PER_FIND);
    const sinkTls = { ca: material.ca.cert, cert: material.cdaClient.cert, key: material.cdaClient.key };
    const sinkCounts = async () => (await call({ method: 'GET', url: sink.urls['find sink'].replace(/\/find$/, '/counts'), tls: sinkTls })).json as SinkCounts;
    const marks: Promise<Mark>[] = [];
    const mark = async (): Promise<Mark> => {
      const { acknowledged } = await sinkCounts();
      const cpu = process.cpuUsage();
      return { atMs: performance.now(), acknowledged, cpuUs: cpu.user + cpu.system, sinkCpuMs: processCpuMs(sink.child.pid) };
    };
    const o = await soak({
      startSimulator,
      stateDir: path.join(tmp, 'state'),
      certsDir,
      configFile: sinkConfig(tmp, sink.urls['find sink']),
      ports: { https: 0, http: 0, admin: null },
      // Nothing will register: stop waiting for registrations soon after the last find.
      budgets: { registrationWindowMs: 100, requestTimeoutMs: 10_000 },
      load: { durationMs: opts.durationS * 1000, rate: { kind: 'constant', perSecond: offeredPerSec } },
      thresholds: parseThresholds(undefined),
      // Enough to keep every signing thread and connection busy; beyond it a find waits for nothing but signing.
      maxInFlight: 256,
      progress: () => {},
      onStatus: (st) => {
        if (!st.draining && st.elapsedMs >= STEADY_FROM_MS) marks.push(mark());
      },
    });
    const counts = await sinkCounts();
    const steady = await Promise.all(marks);
    if (steady.length < 2) throw new Error(`the soak of ${opts.durationS} s gave ${steady.length} steady-state mark(s): give --duration 3 or more`);
    const [first, last] = [steady[0], steady[steady.length - 1]];
    const found = last.acknowledged - first.acknowledged;
    const steadySeconds = (last.atMs - first.atMs) / 1000;
    const findsPerSec = found / steadySeconds;
    const f = o.figures;
    const acknowledged = f.stages['find-ack'].ok;
    const figures: FindFigures = {
      limit,
      offeredPerSec,
      findsPerSec,
      steadySeconds,
      wholeSoakPerSec: acknowledged / (f.wallMs / 1000),
      acknowledged,
      refusedByBound: f.refusedByBound,
      findAckP99Ms: f.stages['find-ack'].p99,
      sink: counts,
      driverCpuUsPerFind: Math.round((last.cpuUs - first.cpuUs) / found),
      sinkCpuUsPerFind: first.sinkCpuMs === null || last.sinkCpuMs === null ? null : Math.round(((last.sinkCpuMs - first.sinkCpuMs) * 1000) / found),
      ratio: (findsPerSec * SIGNATURES_PER_FIND) / limit.signingThreadsPerSec,
      ratioAllCores: (findsPerSec * SIGNATURES_PER_FIND) / limit.allCoresPerSec,
    };
    opts.log(`finds: offered ${offeredPerSec}/s, the sink acknowledged ${findsPerSec.toFixed(0)}/s over the ${steadySeconds.toFixed(1)} s of steady state (${figures.wholeSoakPerSec.toFixed(0)}/s over the whole soak: ${acknowledged} in ${(f.wallMs / 1000).toFixed(1)} s); the sink counted ${counts.acknowledged} on ${counts.connections} connection(s), ${counts.verified} verified`);
    return figures;
  } finally {
    await stopServer(sink);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The lines `npm run bench` prints for the signing limit and the driver against the sink. */
export function findLines(f: FindFigures, target: number): string[] {
  const { limit } = f;
  const pad = (label: string) => label.padEnd(52);
  const n = (x: number) => x.toFixed(0).padStart(8);
  return [
    `signing limit: RS256 (2048-bit) signatures a second when signing is all a process does, this run`,
    `${pad('  one thread')} ${n(limit.oneThreadPerSec)} /s`,
    `${pad(`  all ${limit.cores} cores at once`)} ${n(limit.allCoresPerSec)} /s   (other work on the machine takes its share)`,
    `${pad(`  cda-sim's ${limit.signingThreads} signing thread(s), kept full`)} ${n(limit.signingThreadsPerSec)} /s = ${(limit.signingThreadsPerSec / SIGNATURES_PER_FIND).toFixed(0)} finds/s (${SIGNATURES_PER_FIND} signatures a find)`,
    `soak driver → find sink (its own process: HTTPS + mTLS, 202 to each fresh signed find; offered ${f.offeredPerSec}/s)`,
    `${pad(`  finds signed and acknowledged 202, steady ${f.steadySeconds.toFixed(0)} s`)} ${n(f.findsPerSec)} /s   (${f.wholeSoakPerSec.toFixed(0)}/s over the whole soak, its first second and drain included); p99 ${f.findAckP99Ms.toFixed(1)} ms; ${f.refusedByBound} refused by the in-flight bound`,
    `${pad('  = signatures')} ${n(f.findsPerSec * SIGNATURES_PER_FIND)} /s   ratio to the signing threads' limit ${f.ratio.toFixed(2)} (target >= ${target}: ${f.ratio >= target ? 'ok' : 'MISSED'}); to one thread ${((f.findsPerSec * SIGNATURES_PER_FIND) / limit.oneThreadPerSec).toFixed(2)}; to all cores ${f.ratioAllCores.toFixed(2)}`,
    `${pad('  CPU per find: the soak process, the sink')} ${n(f.driverCpuUsPerFind)} µs, ${f.sinkCpuUsPerFind ?? 'n/a'} µs   (signing alone: ${((SIGNATURES_PER_FIND * 1e6) / limit.oneThreadPerSec).toFixed(0)} µs)`,
    `${pad('  the sink counted')} ${n(f.sink.acknowledged)}      on ${f.sink.connections} connection(s) (${f.sink.resumedSessions} resumed TLS sessions); ${f.sink.verified} verified in full, ${f.sink.refused} refused`,
  ];
}

// Run on its own: node dist/bench/finds.js
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' } } });
  const f = await measureFinds({ durationS: Number(values.duration), log: (s) => console.log(`[bench] ${s}`) });
  console.log(['', ...findLines(f, 0.9)].join('\n'));
}
