// Find requests: how many signed find requests per second the PFS driver sustains against the
// reference provider (HTTPS with mTLS, a new TLS connection per find, the provider verifying both
// tokens and answering 202), next to how many the same machine can only build and sign, in the
// same run. The simulator and the provider each run in their own process.
//
//   node dist/bench/finds.js [--duration 8] [--connections 20]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../simulator/core/clock.js';
import { createSigner } from '../simulator/crypto/jose.js';
import { ensureMaterial } from '../simulator/crypto/material.js';
import { defaultCaConfig, tokenEndpoint } from '../simulator/ca/config.js';
import { buildFindRequest } from '../simulator/pfs/find-request.js';
import { PfsDriver } from '../simulator/pfs/pfs-driver.js';
import { Journal } from '../simulator/store/journal.js';
import { loadTestUsers } from '../simulator/testdata/users.js';
import { CDA_SIM_BIN, spawnServer, stopServer } from './lib.js';

export interface FindFigures {
  signOnlyPerSec: number;
  driverPerSec: number;
  ratio: number;
  sent: number;
  non202: number;
  p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

export async function measureFinds(opts: { durationS: number; connections: number; log: (s: string) => void }): Promise<FindFigures> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-bench-finds-'));
  const certsDir = path.join(tmp, 'certs');
  const { material } = await ensureMaterial(certsDir, { clock: systemClock });
  const users = loadTestUsers();
  const pfsSigner = await createSigner(material.keys.pfs);
  const rogueSigner = await createSigner(material.keys.rogue);

  // Baseline: build and sign only (two RS256 JWS per find), on this process's one core.
  const signFor = async (i: number, findUrl: string, issuer: string) =>
    buildFindRequest({ user: users[i % users.length], clock: systemClock, pfsSigner, rogueSigner, pfsIssuer: defaultCaConfig.pfsIssuer, caTokenEndpoint: tokenEndpoint(issuer), findUrl });
  const signEnd = Date.now() + opts.durationS * 1000;
  let signed = 0;
  while (Date.now() < signEnd) await signFor(signed++, 'https://localhost/find', 'https://localhost:8443');
  const signOnlyPerSec = signed / opts.durationS;
  opts.log(`finds: sign only ${signOnlyPerSec.toFixed(0)}/s`);

  const sim = await spawnServer([], CDA_SIM_BIN, ['start', '--state-dir', path.join(tmp, 'state'), '--certs-dir', certsDir, '--https-port', '0', '--http-port', '0', '--admin-port', '-1'], ['C&A (HTTP)', 'issuer']);
  const provider = await spawnServer(
    [],
    CDA_SIM_BIN,
    ['provider', '--port', '0', '--ca-url', sim.urls['C&A (HTTP)'], '--ca-issuer', sim.urls.issuer, '--certs-dir', certsDir, '--state-dir', path.join(tmp, 'provider')],
    ['find URL'],
  );
  try {
    const journal = new Journal(path.join(tmp, 'bench-journal'), Date.now);
    const driver = new PfsDriver({
      clock: systemClock,
      journal,
      pfsSigner,
      rogueSigner,
      pfsIssuer: defaultCaConfig.pfsIssuer,
      caTokenEndpoint: () => tokenEndpoint(sim.urls.issuer),
      findUrl: provider.urls['find URL'],
      tls: { ca: material.ca.cert, cert: material.cdaClient.cert, key: material.cdaClient.key },
      timeoutMs: 10000,
    });
    // Warm-up: the provider fetches the JWKS on its first find.
    await driver.sendFind(users[0]);
    const latencies: number[] = [];
    let non202 = 0;
    let i = 0;
    const end = Date.now() + opts.durationS * 1000;
    await Promise.all(
      Array.from({ length: opts.connections }, async () => {
        while (Date.now() < end) {
          const sent = await driver.sendFind(users[i++ % users.length]);
          latencies.push(sent.ackMs);
          if (sent.response?.status !== 202) non202++;
        }
      }),
    );
    journal.close();
    const driverPerSec = latencies.length / opts.durationS;
    latencies.sort((a, b) => a - b);
    opts.log(`finds: PFS driver ${driverPerSec.toFixed(0)}/s against the reference provider, p99 ${percentile(latencies, 99).toFixed(1)} ms, non-202 ${non202}`);
    return { signOnlyPerSec, driverPerSec, ratio: driverPerSec / signOnlyPerSec, sent: latencies.length, non202, p99Ms: percentile(latencies, 99) };
  } finally {
    await stopServer(provider);
    await stopServer(sim);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// Run on its own: node dist/bench/finds.js
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, connections: { type: 'string', default: '20' } } });
  const f = await measureFinds({ durationS: Number(values.duration), connections: Number(values.connections), log: (s) => console.log(`[bench] ${s}`) });
  console.log(`\nfind requests           per second   note`);
  console.log(`sign only (baseline)    ${f.signOnlyPerSec.toFixed(0).padStart(10)}   build + sign user token and find request token`);
  console.log(`PFS driver → provider   ${f.driverPerSec.toFixed(0).padStart(10)}   HTTPS+mTLS, provider verifies both tokens, 202 (non-202: ${f.non202})`);
  console.log(`ratio driver / sign     ${f.ratio.toFixed(2).padStart(10)}`);
}
