// RS256 signatures off the main thread. An RSA signature is the costliest thing cda-sim does (about
// 0.3 ms of CPU); made synchronously, each one stalls the event loop, so a busy soak (the driver, the
// C&A and the reference provider in one process) could only ever use one core. node:crypto's sign()
// with a callback runs on libuv's thread pool instead, beside the event loop. At most `threads`
// signatures are handed to the pool at once: the pool's other threads stay free for the file writes
// and name look-ups that share it, and a burst of signatures waits here, in order, not there.
import { availableParallelism } from 'node:os';
import { sign, type KeyObject } from 'node:crypto';
import { concurrencyLimit } from '../core/concurrency-limit.js';

/** libuv's thread pool: UV_THREADPOOL_SIZE threads, else 4. */
const POOL_THREADS = Number(process.env.UV_THREADPOOL_SIZE) || 4;

/**
 * Threads that sign: one per core but one (the event loop's), leaving one of the pool's threads for
 * files; at least one. Two cores sign on one thread, four on three.
 */
export const SIGNING_THREADS = Math.max(1, Math.min(availableParallelism() - 1, POOL_THREADS - 1));

export class SigningPool {
  private running = 0;
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  /** Signatures made so far (a bench counts what a run signed). */
  made = 0;
  /** The most signatures ever running at once: never more than `threads`. */
  peak = 0;

  constructor(readonly threads: number) {
    this.limit = concurrencyLimit(threads);
  }

  /** An RSASSA-PKCS1-v1_5 SHA-256 signature (RS256) of `data`. */
  sign(data: Buffer, key: KeyObject): Promise<Buffer> {
    return this.limit(async () => {
      this.peak = Math.max(this.peak, ++this.running);
      try {
        const signature = await new Promise<Buffer>((resolve, reject) => sign('sha256', data, key, (err, sig) => (err ? reject(err) : resolve(sig))));
        this.made++;
        return signature;
      } finally {
        this.running--;
      }
    });
  }
}

/** The process's one pool: every signer shares it, so together they never take more than its threads. */
export const signingPool = new SigningPool(SIGNING_THREADS);
