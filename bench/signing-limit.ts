// This machine's signing limit, measured in the same run as what is compared with it: RS256
// signatures a second (2048-bit keys, the PFS key itself, over a find request token's worth of bytes)
// when signing is all a process does. Three figures: one thread signing on the event loop; every core
// at once (as many signatures in flight as cores, on libuv's pool); and cda-sim's own signing
// threads (signing-pool.ts: one per core but one) kept full, the limit its drivers are judged against.
import { createPrivateKey, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { KeyPair } from '../simulator/crypto/jose.js';
import { SIGNING_THREADS, SigningPool, signOnNodePool } from '../simulator/crypto/signing-pool.js';

export interface SigningLimit {
  /** Signatures a second: one thread; all cores at once; cda-sim's signing threads. */
  oneThreadPerSec: number;
  allCoresPerSec: number;
  signingThreadsPerSec: number;
  cores: number;
  signingThreads: number;
}

/** About the size of a find request token's signing input (header.payload, base64url). */
const INPUT = Buffer.from('e'.repeat(900));

async function rateOf(durationS: number, inFlight: number, signOne: (key: KeyObject) => Promise<unknown> | unknown, key: KeyObject): Promise<number> {
  const end = performance.now() + durationS * 1000;
  const t0 = performance.now();
  let made = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await signOne(key);
        made++;
      }
    }),
  );
  return made / ((performance.now() - t0) / 1000);
}

/**
 * The signing threads kept full: a burst of signatures asked for at once, again as soon as it is
 * signed. Bursts go to a thread in one message, so this is the most the pool signs, whatever a
 * caller's pattern (a soak's ticks send smaller bursts; one signature at a time does worse).
 */
async function burstRate(durationS: number, pool: SigningPool, key: KeyObject): Promise<number> {
  const burst = 256 * pool.threads;
  await pool.start();
  await Promise.all(Array.from({ length: pool.threads }, () => pool.sign(INPUT, key))); // the threads get the key before the clock starts
  const end = performance.now() + durationS * 1000;
  const t0 = performance.now();
  let made = 0;
  while (performance.now() < end) {
    await Promise.all(Array.from({ length: burst }, () => pool.sign(INPUT, key)));
    made += burst;
  }
  return made / ((performance.now() - t0) / 1000);
}

export async function measureSigningLimit(opts: { durationS: number; key: KeyPair; log: (s: string) => void }): Promise<SigningLimit> {
  const key = createPrivateKey({ key: opts.key.private as JsonWebKey, format: 'jwk' });
  const cores = availableParallelism();
  const pool = new SigningPool(SIGNING_THREADS);
  const limit: SigningLimit = {
    oneThreadPerSec: await rateOf(opts.durationS, 1, (k) => sign('sha256', INPUT, k), key),
    allCoresPerSec: await rateOf(opts.durationS, cores, (k) => signOnNodePool(INPUT, k), key),
    signingThreadsPerSec: await burstRate(opts.durationS, pool, key),
    cores,
    signingThreads: SIGNING_THREADS,
  };
  await pool.close();
  opts.log(`signing limit: ${limit.oneThreadPerSec.toFixed(0)}/s on one thread, ${limit.allCoresPerSec.toFixed(0)}/s on all ${cores} cores, ${limit.signingThreadsPerSec.toFixed(0)}/s on cda-sim's ${SIGNING_THREADS} signing thread(s)`);
  return limit;
}
