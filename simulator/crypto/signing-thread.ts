// One signing thread (a worker of signing-pool.ts). It signs the jobs it is sent one after another,
// synchronously. Jobs queue here, in the thread, so it never waits for the event loop between two
// signatures. Signatures go back in small groups, at most ANSWER_EVERY_MS after the first of them
// was made: a message per signature cost about 8% of the thread's signing rate.
import { sign, type KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

/** A signature asked for: `key` comes with the first job that uses it, then only its number. */
export interface SigningJob {
  id: number;
  keyId: number;
  key?: KeyObject;
  data: Uint8Array;
}

export type SigningAnswer = { id: number; signature: Uint8Array } | { id: number; error: string };

const ANSWER_EVERY_MS = 1;
const keys = new Map<number, KeyObject>();

function signOne(job: SigningJob): SigningAnswer {
  try {
    if (job.key) keys.set(job.keyId, job.key);
    const key = keys.get(job.keyId);
    if (!key) throw new Error(`signing key ${job.keyId} was never sent to this thread`);
    return { id: job.id, signature: sign('sha256', job.data, key) };
  } catch (err) {
    return { id: job.id, error: (err as Error).message };
  }
}

parentPort?.on('message', (jobs: SigningJob[]) => {
  if (jobs.length === 0) return parentPort!.postMessage([]); // "are you ready?"
  let answers: SigningAnswer[] = [];
  let since = performance.now();
  for (const job of jobs) {
    answers.push(signOne(job));
    if (performance.now() - since >= ANSWER_EVERY_MS) {
      parentPort!.postMessage(answers);
      answers = [];
      since = performance.now();
    }
  }
  if (answers.length) parentPort!.postMessage(answers);
});
