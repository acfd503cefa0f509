// The soak driver's capacity: how many signed finds and complete view dances a second one cda-sim
// process sustains against the built-in reference provider (the simulator, the provider and the
// driver sharing the process, as `cda-sim soak` runs), offered more than it can take on an open
// schedule. Read next to the machine's signing limit from bench/finds.ts, measured in the same run.
//
//   node dist/bench/soak.js [--duration 8] [--rate 600]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { soak } from '../simulator/soak/soak.js';
import { startSimulator } from '../simulator/server/simulator.js';
import { parseThresholds } from '../simulator/soak/thresholds.js';

export interface SoakCapacity {
  offeredPerSec: number;
  findsPerSec: number;
  viewsPerSec: number;
  findAckP99Ms: number;
  viewP99Ms: number;
  refused: number;
  errors: number;
}

export async function measureSoak(opts: { durationS: number; ratePerSec: number; log: (s: string) => void }): Promise<SoakCapacity> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-bench-soak-'));
  try {
    const o = await soak({
      startSimulator,
      stateDir: path.join(tmp, 'state'),
      certsDir: path.join(tmp, 'certs'),
      load: { durationMs: opts.durationS * 1000, rate: { kind: 'constant', perSecond: opts.ratePerSec } },
      thresholds: parseThresholds(undefined),
      maxInFlight: 500,
      progress: () => {},
    });
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
    };
    opts.log(`soak: ${figures.findsPerSec.toFixed(0)} finds/s and ${figures.viewsPerSec.toFixed(0)} view dances/s sustained (offered ${opts.ratePerSec}/s; find-ack p99 ${figures.findAckP99Ms.toFixed(0)} ms, view p99 ${figures.viewP99Ms.toFixed(0)} ms; ${figures.refused} refused by the in-flight bound, ${figures.errors} errors)`);
    return figures;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, rate: { type: 'string', default: '600' } } });
  await measureSoak({ durationS: Number(values.duration), ratePerSec: Number(values.rate), log: (s) => console.log(s) });
}
