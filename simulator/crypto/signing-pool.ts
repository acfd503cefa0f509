// RS256 signatures off the main thread. An RSA signature is the costliest thing cda-sim does (about
// 0.3 ms of CPU); made synchronously, each one stalls the event loop, so a busy soak (the driver, the
// C&A and the reference provider in one process) could only ever use one core. The pool's signing
// threads (worker threads running signing-thread.ts) sign beside the event loop instead.
// Each thread keeps its own queue: a signature is started the moment the one before it ends, not
// when the event loop next gets round to handing over the next one (with node:crypto's callback
// sign on libuv's pool, a busy loop left the signing thread idle about a third of the time).
import { availableParallelism } from 'node:os';
import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { concurrencyLimit } from '../core/concurrency-limit.js';
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
  /** Kept so that another way can sign it if the thread never starts. */
  data: Uint8Array;
  key: KeyObject;
}

/** One worker: its jobs not yet answered, and the keys it already holds. */
class SigningThread {
  private readonly worker: Worker;
  /** Settles once the thread runs (or has failed to start). */
  readonly online: Promise<void>;
  readonly waiting = new Map<number, Waiting>();
  private readonly keysSent = new Set<number>();
  private batch: SigningJob[] = [];
  private started = false;
  /** Set when the worker stopped: every later job is refused with it. */
  failure?: Error;

  /** `neverStarted` gets the jobs of a thread that stopped before it ever answered. */
  constructor(
    script: URL,
    private readonly neverStarted: (jobs: Waiting[], why: Error) => void,
  ) {
    // None of the process's node options: they are for the program (--input-type, a loader), not for this file.
    this.worker = new Worker(script, { execArgv: [] });
    this.worker.on('message', (answers: SigningAnswer[]) => answers.forEach((a) => this.answered(a)));
    this.worker.on('error', (err) => this.stopped(err));
    this.worker.on('exit', (code) => this.stopped(new Error(`the signing thread exited (${code})`)));
    // Ready once it answers an empty message: its code is loaded and listening. From then on it is
    // held only while a signature is awaited: an idle thread never keeps the process alive.
    this.online = new Promise((ready) => {
      this.worker.once('message', () => {
        this.started = true;
        if (this.waiting.size === 0) this.worker.unref();
        ready();
      });
      this.worker.once('exit', () => ready());
      this.worker.postMessage([]);
    });
  }

  sign(id: number, keyId: number, key: KeyObject, data: Buffer): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    // A copy of just these bytes: a small Buffer shares an 8 KiB block, which would travel whole.
    const bytes = new Uint8Array(data);
    const job: SigningJob = { id, keyId, data: bytes, ...(this.keysSent.has(keyId) ? {} : { key }) };
    this.keysSent.add(keyId);
    // Jobs asked for in the same turn of the event loop go over in one message.
    if (this.batch.push(job) === 1) queueMicrotask(() => this.flush());
    if (this.waiting.size === 0) this.worker.ref(); // a signature awaited keeps the process alive
    return new Promise<Buffer>((resolve, reject) => this.waiting.set(id, { resolve, reject, data: bytes, key }));
  }

  private flush(): void {
    const jobs = this.batch;
    this.batch = [];
    if (!this.failure) this.worker.postMessage(jobs);
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
    this.started = true; // closed on purpose: refuse, do not hand over
    this.stopped(new Error('the signing pool was closed'));
    return this.worker.terminate();
  }

  private stopped(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    const jobs = [...this.waiting.values()];
    this.waiting.clear();
    if (!this.started) return this.neverStarted(jobs, err);
    for (const w of jobs) w.reject(err);
  }
}

/** Where the pool's threads run signing-thread.ts from (a test points it elsewhere). */
const THREAD_SCRIPT = new URL('./signing-thread.js', import.meta.url);

export class SigningPool {
  private pool: SigningThread[] = [];
  private nextId = 0;
  private readonly keyIds = new WeakMap<KeyObject, number>();
  private keyCount = 0;
  private readonly script: URL;
  /** Signing on libuv's pool instead, once worker threads cannot start. */
  private readonly inline: <T>(task: () => Promise<T>) => Promise<T>;
  /** Why this pool signs without its threads (worker threads could not start here), if it does. */
  fallback?: string;
  /** Signatures made so far (a bench counts what a run signed). */
  made = 0;
  /** The most threads ever signing at once: never more than `threads`. */
  peak = 0;

  constructor(
    readonly threads: number,
    opts: { threadScript?: URL } = {},
  ) {
    this.script = opts.threadScript ?? THREAD_SCRIPT;
    this.inline = concurrencyLimit(threads);
  }

  /**
   * Start every thread now, not at the first signature: a soak's schedule then begins with its
   * signing threads running, instead of queueing its first finds behind their start (about 40 ms).
   */
  async start(): Promise<void> {
    try {
      this.pool = this.pool.filter((t) => !t.failure);
      while (!this.fallback && this.pool.length < this.threads) this.pool.push(this.newThread());
    } catch (err) {
      this.fallBack(err as Error);
    }
    await Promise.all(this.pool.map((t) => t.online));
  }

  /** An RSASSA-PKCS1-v1_5 SHA-256 signature (RS256) of `data`, made on the least busy thread. */
  async sign(data: Buffer, key: KeyObject): Promise<Buffer> {
    const thread = this.threadToSign();
    const signature = thread ? thread.sign(++this.nextId, this.keyIdOf(key), key, data) : this.signInline(data, key);
    if (thread) this.peak = Math.max(this.peak, this.busy());
    const made = await signature;
    this.made++;
    return made;
  }

  /** The thread for the next signature; none once threads cannot start here (the pool signs without them). */
  private threadToSign(): SigningThread | undefined {
    if (this.fallback) return undefined;
    try {
      return this.leastBusy();
    } catch (err) {
      this.fallBack(err as Error);
      return undefined;
    }
  }

  /** A key's number, by which a thread that has been sent the key knows it again. */
  private keyIdOf(key: KeyObject): number {
    let id = this.keyIds.get(key);
    if (id === undefined) this.keyIds.set(key, (id = ++this.keyCount));
    return id;
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
      best = this.newThread();
      this.pool.push(best);
    }
    return best;
  }

  /** A thread that never starts hands its jobs back: the pool signs them, and all later ones, without threads. */
  private newThread(): SigningThread {
    return new SigningThread(this.script, (jobs, why) => {
      this.fallBack(why);
      for (const j of jobs) this.signInline(j.data, j.key).then(j.resolve, j.reject);
    });
  }

  /**
   * Worker threads cannot start here (Node's permission model without --allow-worker, a missing
   * file): sign with node:crypto's callback sign on libuv's thread pool, as many at once as the pool has threads.
   */
  private fallBack(why: Error): void {
    if (this.fallback !== undefined) return;
    this.fallback = why.message;
    console.error(`cda-sim: signing threads could not start (${why.message}); signing on Node.js's own thread pool instead, more slowly.`);
  }

  private signInline(data: Uint8Array, key: KeyObject): Promise<Buffer> {
    return this.inline(() => signOnNodePool(data, key));
  }
}

/** An RS256 signature made by node:crypto on libuv's thread pool (the callback form), not on the event loop. */
export function signOnNodePool(data: Uint8Array, key: KeyObject): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => cryptoSign('sha256', data, key, (err, sig) => (err ? reject(err) : resolve(sig))));
}

/** The process's one pool: every signer shares it, so together they never take more than its threads. */
export const signingPool = new SigningPool(SIGNING_THREADS);
