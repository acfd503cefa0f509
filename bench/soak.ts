// The soak against the built-in reference provider: how many signed finds and complete view dances a
// second one cda-sim process sustains (the simulator, the provider and the driver sharing the
// process, as `cda-sim soak` runs), on an open schedule. Every RSA private-key operation the process
// makes is counted: the signatures (signing-pool.ts counts each one: a find's two, the C&A's PATs, and
// for each view dance the dashboard's RQP, the C&A's permission ticket and RPT, the provider's view
// data token) and the ticket decryptions (one per RPT asked for, of the same cost), so the whole
// soak reads in the same unit as the machine's signing limit from bench/signing-limit.ts.
//
//   node dist/bench/soak.js [--duration 8] [--rate 100]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { soak } from '../simulator/soak/soak.js';
import { startSimulator } from '../simulator/server/simulator.js';
import { parseThresholds } from '../simulator/soak/thresholds.js';
import { signingPool } from '../simulator/crypto/signing-pool.js';
import { measureSigningLimit, type SigningLimit } from './signing-limit.js';
import { generateKeyPair } from '../simulator/crypto/jose.js';

export interface SoakCapacity {
  offeredPerSec: number;
  findsPerSec: number;
  viewsPerSec: number;
  findAckP99Ms: number;
  viewP99Ms: number;
  refused: number;
  errors: number;
  /** RS256 signatures a second the process made, counted; ticket decryptions a second (one per RPT asked for). */
  signaturesPerSec: number;
  decryptionsPerSec: number;
}

export async function measureSoak(opts: { durationS: number; ratePerSec: number; log: (s: string) => void }): Promise<SoakCapacity> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-bench-soak-'));
  try {
    const signedBefore = signingPool.made;
    const o = await soak({
      startSimulator,
      stateDir: path.join(tmp, 'state'),
      certsDir: path.join(tmp, 'certs'),
      load: { durationMs: opts.durationS * 1000, rate: { kind: 'constant', perSecond: opts.ratePerSec } },
      thresholds: parseThresholds(undefined),
      maxInFlight: 500,
      progress: () => {},
    });
    const signatures = signingPool.made - signedBefore;
    const f = o.figures;
    const seconds = f.wallMs / 1000;
    const figures: SoakCapacity = {
      offeredPerSec: opts.ratePerSec,
      findsPerSec: f.stages['find-ack'].ok / seconds,
      viewsPerSec: f.stages.view.ok / seconds,
      findAckP99Ms: f.stages['find-ack'].p99,
      viewP99Ms: f.stages.view.p99,
      refused: f.refusedByBound,
      errors: f.errors.total,
      signaturesPerSec: signatures / seconds,
      decryptionsPerSec: f.stages['view-rpt'].count / seconds,
    };
    opts.log(`soak: ${figures.findsPerSec.toFixed(0)} finds/s and ${figures.viewsPerSec.toFixed(0)} view dances/s sustained (offered ${opts.ratePerSec}/s; find-ack p99 ${figures.findAckP99Ms.toFixed(0)} ms, view p99 ${figures.viewP99Ms.toFixed(0)} ms; ${figures.refused} refused by the in-flight bound, ${figures.errors} errors; ${figures.signaturesPerSec.toFixed(0)} signatures/s and ${figures.decryptionsPerSec.toFixed(0)} ticket decryptions/s)`);
    return figures;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The lines `npm run bench` prints for the soak against the reference provider. Its finds and view
 * dances share one process with the C&A and the provider, so they are compared with the machine's
 * limit in private-key operations a second, the unit in which every party's signing adds up.
 */
export function soakLines(s: SoakCapacity, limit: SigningLimit): string[] {
  const pad = (label: string) => label.padEnd(52);
  const n = (x: number) => x.toFixed(0).padStart(8);
  const privateOps = s.signaturesPerSec + s.decryptionsPerSec;
  return [
    `soak → reference provider (one process: the simulated C&A, the provider and the driver; offered ${s.offeredPerSec} finds/s)`,
    `${pad('  finds acknowledged 202')} ${n(s.findsPerSec)} /s   p99 ${s.findAckP99Ms.toFixed(0)} ms; ${s.refused} refused by the in-flight bound, ${s.errors} errors`,
    `${pad('  complete view dances (verified view data)')} ${n(s.viewsPerSec)} /s   p99 ${s.viewP99Ms.toFixed(0)} ms`,
    `${pad('  RSA private-key operations, counted')} ${n(privateOps)} /s   (${s.signaturesPerSec.toFixed(0)} signatures + ${s.decryptionsPerSec.toFixed(0)} ticket decryptions); ${(privateOps / limit.allCoresPerSec).toFixed(2)} of all cores' limit`,
    `  (a find: 2 signatures by the driver, and a PAT by the C&A when the provider's expires; a view dance: 4 signatures, the dashboard's RQP,`,
    `   the C&A's ticket and RPT, the provider's view data token, and 1 ticket decryption. The C&A's and the provider's own work shares the cores.)`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, rate: { type: 'string', default: '100' } } });
  const log = (s: string) => console.log(`[bench] ${s}`);
  const limit = await measureSigningLimit({ durationS: 4, key: await generateKeyPair('bench', 'sig'), log });
  const figures = await measureSoak({ durationS: Number(values.duration), ratePerSec: Number(values.rate), log });
  console.log(['', ...soakLines(figures, limit)].join('\n'));
}
