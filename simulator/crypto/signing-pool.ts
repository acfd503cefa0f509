// RS256 signatures off the main thread. An RSA signature is the costliest thing cda-sim does (about
// 0.3 ms of CPU); made synchronously, each one stalls the event loop, so a busy soak (the driver, the
// C&A and the reference provider in one process) could only ever use one core. The pool's signing
// threads (worker threads running signing-thread.ts) sign beside the event loop instead.
// Each thread keeps its own queue: a signature is started the moment the one before it ends, not
// when the event loop next gets round to handing over the next one (with node:crypto's callback
// sign on libuv's pool, a busy loop left the signing thread idle about a third of the time).
import { availableParallelism } from 'node:os';
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { SigningAnswer, SigningJob } from './signing-thread.js';

/**
 * Threads that sign: one per core but one (the event loop's); at least one, at most MAX_SIGNING_THREADS
 * (each is a JavaScript environment of its own, about 10 MB). Two cores sign on one thread.
 */
const MAX_SIGNING_THREADS = 8;
export const SIGNING_THREADS = Math.max(1, Math.min(MAX_SIGNING_THREADS, availableParallelism() - 1));

interface Waiting {
  resolve: (signature: Buffer) => void;
  reject: (err: Error) => void;
}

/** One worker: its jobs not yet answered, and the keys it already holds. */
class SigningThread {
  private readonly worker: Worker;
  /** Settles once the thread runs (or has failed to start). */
  readonly online: Promise<void>;
  readonly waiting = new Map<number, Waiting>();
  private readonly keysSent = new Set<number>();
  private batch: SigningJob[] = [];
  /** Set when the worker stopped: every later job is refused with it. */
  failure?: Error;

  constructor() {
    // None of the process's node options: they are for the program (--input-type, a loader), not for this file.
    this.worker = new Worker(new URL('./signing-thread.js', import.meta.url), { execArgv: [] });
    this.worker.on('message', (answers: SigningAnswer[]) => answers.forEach((a) => this.answered(a)));
    this.worker.on('error', (err) => this.stopped(err));
    this.worker.on('exit', (code) => this.stopped(new Error(`the signing thread exited (${code})`)));
    // Ready once it answers an empty message: its code is loaded and listening. From then on it is
    // held only while a signature is awaited: an idle thread never keeps the process alive.
    this.online = new Promise((ready) => {
      this.worker.once('message', () => {
        if (this.waiting.size === 0) this.worker.unref();
        ready();
      });
      this.worker.once('exit', () => ready());
      this.worker.postMessage([]);
    });
  }

  sign(id: number, keyId: number, key: KeyObject, data: Buffer): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    const job: SigningJob = { id, keyId, data, ...(this.keysSent.has(keyId) ? {} : { key }) };
    this.keysSent.add(keyId);
    // Jobs asked for in the same turn of the event loop go over in one message.
    if (this.batch.push(job) === 1) queueMicrotask(() => this.flush());
    if (this.waiting.size === 0) this.worker.ref(); // a signature awaited keeps the process alive
    return new Promise<Buffer>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  private flush(): void {
    const jobs = this.batch;
    this.batch = [];
    this.worker.postMessage(jobs);
  }

  private answered(a: SigningAnswer): void {
    const w = this.waiting.get(a.id);
    if (!w) return;
    this.waiting.delete(a.id);
    if (this.waiting.size === 0) this.worker.unref();
    if ('error' in a) w.reject(new Error(a.error));
    else w.resolve(Buffer.from(a.signature.buffer, a.signature.byteOffset, a.signature.byteLength));
  }

  /** Stop the thread: what it has not signed yet is refused. */
  stop(): Promise<number> {
    this.stopped(new Error('the signing pool was closed'));
    return this.worker.terminate();
  }

  private stopped(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }
}

export class SigningPool {
  private pool: SigningThread[] = [];
  private nextId = 0;
  private readonly keyIds = new WeakMap<KeyObject, number>();
  private keyCount = 0;
  /** Signatures made so far (a bench counts what a run signed). */
  made = 0;
  /** The most threads ever signing at once: never more than `threads`. */
  peak = 0;

  constructor(readonly threads: number) {}

  /**
   * Start every thread now, not at the first signature: a soak's schedule then begins with its
   * signing threads running, instead of queueing its first finds behind their start (about 40 ms).
   */
  async start(): Promise<void> {
    this.pool = this.pool.filter((t) => !t.failure);
    while (this.pool.length < this.threads) this.pool.push(new SigningThread());
    await Promise.all(this.pool.map((t) => t.online));
  }

  /** An RSASSA-PKCS1-v1_5 SHA-256 signature (RS256) of `data`, made on the least busy thread. */
  async sign(data: Buffer, key: KeyObject): Promise<Buffer> {
    let keyId = this.keyIds.get(key);
    if (keyId === undefined) this.keyIds.set(key, (keyId = ++this.keyCount));
    const thread = this.leastBusy();
    const signature = thread.sign(++this.nextId, keyId, key, data);
    this.peak = Math.max(this.peak, this.busy());
    const made = await signature;
    this.made++;
    return made;
  }

  /** Stop every thread (a bench's own pool, a test): signatures still waiting are refused; the next one starts a thread again. */
  async close(): Promise<void> {
    const threads = this.pool;
    this.pool = [];
    await Promise.all(threads.map((t) => t.stop()));
  }

  private busy(): number {
    return this.pool.filter((t) => t.waiting.size > 0).length;
  }

  /** A thread with nothing to do, else the one with the shortest queue; a stopped thread is replaced. */
  private leastBusy(): SigningThread {
    this.pool = this.pool.filter((t) => !t.failure);
    let best = this.pool.reduce<SigningThread | undefined>((b, t) => (!b || t.waiting.size < b.waiting.size ? t : b), undefined);
    if (!best || (best.waiting.size > 0 && this.pool.length < this.threads)) {
      best = new SigningThread();
      this.pool.push(best);
    }
    return best;
  }
}

/** The process's one pool: every signer shares it, so together they never take more than its threads. */
export const signingPool = new SigningPool(SIGNING_THREADS);
