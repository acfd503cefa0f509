// Everything a running scenario needs: the simulator (C&A, journal), the drivers, the provider
// under test's configuration, the test data, and what the steps have done so far.
import fs from 'node:fs';
import { createPublicKey } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { createVerifier, decodeUnverified, type Jwk, type Verifier } from '../crypto/jose.js';
import type { ProviderConfig } from '../config/provider-config.js';
import { call } from '../http/client.js';
import type { TlsClientOptions } from '../http/client.js';
import type { Material } from '../crypto/material.js';
import type { FaultRegistry } from '../faults/registry.js';
import type { SpecProfile } from '../http/spec-profile.js';
import type { SubmissionStore } from '../reporting/submissions.js';
import type { Journal } from '../store/journal.js';
import type { Store } from '../store/state.js';
import type { JournalEntry } from '../store/journal.js';
import type { ExpectedOutcome, PensionRecord, TestDataPack } from '../testdata/records.js';
import type { TestUser } from '../testdata/users.js';
import type { PfsDriver, SentFind } from '../pfs/pfs-driver.js';
import type { DashboardDriver, ViewOutcome } from '../dashboard/dashboard-driver.js';
import type { UpdateAction, UpdateRound } from './update-file.js';
import type { SystemTestTiming } from './system-timing.js';
import type { RunEventListener } from './events.js';
import { watched, type WaitListener } from '../core/waiting.js';

export interface ViewRecord extends ViewOutcome {
  user: TestUser;
  record: PensionRecord;
  /** The PeI name viewed, as the provider should have registered it. */
  pei: string;
  /** The match status expected for it. */
  expectedStatus: 'match-yes' | 'match-possible';
  /** The view whose RPT this one presented instead of running the dance (an RPT for another PeI). */
  rptFrom?: string;
}

/**
 * What the scenarios use of the running simulated CDA (server/simulator.ts starts it and its
 * Simulator has all of this): named here so the scenarios need not know how it is wired.
 */
export interface SimulatedCda {
  endpoints: { https?: string; http?: string; admin?: string; issuer: string };
  adminHeaders: Record<string, string>;
  store: Store;
  journal: Journal;
  submissions: SubmissionStore;
  material: Material;
  profile: SpecProfile;
  faults: FaultRegistry;
}

/** One update the system test asks the provider to make at once (not through the file): the PeI's asset and the action. */
export interface SingleUpdate {
  assetGuid: string;
  action: UpdateAction;
}

export interface RunContext {
  clock: Clock;
  sim: SimulatedCda;
  config: ProviderConfig;
  users: TestUser[];
  testData: TestDataPack;
  pfs: PfsDriver;
  dashboard: DashboardDriver;
  /** Every journal entry since the run started, in order. */
  entries: JournalEntry[];
  finds: Map<string, SentFind>;
  views: Map<string, ViewRecord>;
  progress: (line: string) => void;
  /** The Stage 2 update file issued at the end of Stage 1, once it has been. */
  updates?: UpdateRound;
  /** How cda-sim reaches the provider (trust, its client certificate): mTLS cases swap the certificate. */
  providerTls?: TlsClientOptions;
  /** System-test timings (default DEFAULT_SYSTEM_TIMING). */
  systemTest?: SystemTestTiming;
  /** Have the provider apply a Stage 2 update instruction (the reference provider can; a user's own cannot be asked). */
  applyUpdate?: (instruction: SingleUpdate) => Promise<{ ok: boolean; why?: string }>;
  /** Lifecycle events for whoever follows the run live (progress display, web console). */
  emit?: RunEventListener;
  /** Told of every wait that lasts over 5 s (what, how long so far, how long at most), and of its end. */
  waiting?: WaitListener;
  /** Aborted when the run is interrupted (Ctrl+C): waits end at once, with the signal's reason. */
  signal?: AbortSignal;
  /** Groups of test cases played at once (over each scenario's own `concurrency`; 1 plays them in file order). */
  caseConcurrency?: number;
  /**
   * The test users (subs) of the group of test cases playing, while groups play side by side: fault
   * clear-downs touch only theirs, and quiet at the C&A is theirs. Absent: the whole run's.
   */
  scope?: { subs: ReadonlySet<string> };
}

export function userById(ctx: RunContext, id: string): TestUser {
  const u = ctx.users.find((x) => x.id === id);
  if (!u) throw new Error(`the scenario names test user "${id}", which is not in the test users file`);
  return u;
}

export function expectationFor(ctx: RunContext, userId: string): ExpectedOutcome {
  const e = ctx.testData.expectations.find((x) => x.user === userId);
  if (!e) throw new Error(`the test data pack has no expected outcome for user "${userId}"`);
  return e;
}

export function recordById(ctx: RunContext, id: string): PensionRecord {
  const r = ctx.testData.records.find((x) => x.recordId === id);
  if (!r) throw new Error(`the test data pack has no record "${id}"`);
  return r;
}

/**
 * The PeI name the provider under test should register for a record. The pack's holdername GUIDs
 * map onto the provider's configured ones by position (all onto the first when it has only one).
 */
export function expectedPei(ctx: Pick<RunContext, 'testData' | 'config'>, r: PensionRecord): string {
  const index = ctx.testData.holdernames.findIndex((h) => h.holdernameGuid === r.holdernameGuid);
  const mine = ctx.config.provider.holdernameGuids;
  const holder = mine[Math.min(Math.max(index, 0), mine.length - 1)];
  return `urn:pei:${holder}:${r.assetGuid}`;
}

export function findByName(ctx: RunContext, name: string): SentFind {
  const f = ctx.finds.get(name);
  if (!f) throw new Error(`no find named "${name}" was sent earlier in this run`);
  return f;
}

export function viewByName(ctx: RunContext, name: string): ViewRecord {
  const v = ctx.views.get(name);
  if (!v) throw new Error(`no view named "${name}" was made earlier in this run`);
  return v;
}

/** How long the provider must have been silent at the C&A before "it has finished" is believed. */
export const QUIET_MS = 750;

/** Wait (in real time) until `done` holds, or `timeoutMs` passes; an aborted `signal` ends it with its reason. */
export async function waitFor(done: () => boolean, timeoutMs: number, stepMs = 25, signal?: AbortSignal): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    signal?.throwIfAborted();
    if (done()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return done();
}

/** What an await-matching or await-settled step waits for, in words: `IT03's registration`, `IT02's 3 registrations`. */
export function registrationsOf(user: string, count: number): string {
  return count === 1 ? `${user}'s registration` : `${user}'s ${count} registrations`;
}

/** A run's wait: said while it lasts over 5 s (`waiting for <what>: 20 s of 60 s`), ended by an interrupt. */
export function waitUntil(ctx: Pick<RunContext, 'waiting' | 'signal'>, what: string, done: () => boolean, timeoutMs: number, stepMs = 25): Promise<boolean> {
  return watched(ctx.waiting, what, timeoutMs, () => waitFor(done, timeoutMs, stepMs, ctx.signal));
}

/**
 * A verifier for the provider's view data tokens, from the config: a JWKS URL (fetched once, and
 * again on an unknown kid), a JWKS file, or a PEM public key (matched whatever kid the token names).
 */
/** Verifiers kept for a PEM view token key, one per kid seen. */
const PEM_KIDS_KEPT = 8;

export function viewTokenVerifier(key: ProviderConfig['provider']['viewTokenKey'], tls?: TlsClientOptions): () => Promise<Verifier> {
  let cached: Promise<Verifier> | undefined;
  const fromJwks = async (): Promise<Verifier> => {
    if (key.jwksFile) return createVerifier((JSON.parse(fs.readFileSync(key.jwksFile, 'utf8')) as { keys: Jwk[] }).keys);
    const res = await call({ method: 'GET', url: key.jwksUrl!, tls, timeoutMs: 10000 });
    if (res.status !== 200) throw new Error(`the provider's JWKS at ${key.jwksUrl} answered ${res.status}`);
    return createVerifier((res.json as { keys: Jwk[] }).keys);
  };
  if (key.pemFile) {
    const jwk = createPublicKey(fs.readFileSync(key.pemFile, 'utf8')).export({ format: 'jwk' }) as Jwk;
    // One verifier per kid a token names, made once (a soak verifies every view): the key is parsed
    // once, not per token. A provider naming ever new kids only refills the few kept.
    const byKid = new Map<string, Promise<Verifier>>();
    const verifierFor = (kid: string): Promise<Verifier> => {
      let v = byKid.get(kid);
      if (!v) {
        if (byKid.size >= PEM_KIDS_KEPT) byKid.clear();
        v = createVerifier([{ ...jwk, kid, alg: 'RS256', use: 'sig' }]);
        byKid.set(kid, v);
      }
      return v;
    };
    return async () => ({
      verify: async (token: string) => {
        const kid = decodeUnverified(token)?.header.kid;
        return (await verifierFor(typeof kid === 'string' ? kid : 'provider-key')).verify(token);
      },
    });
  }
  return async () => {
    cached ??= fromJwks().catch((err) => {
      cached = undefined;
      throw err;
    });
    return cached;
  };
}
