// Shared test fixtures. Crypto material is generated once per test process (RSA key generation
// costs about a second) into a temp dir; each test gets its own state directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { OpenAPIBackend } from 'openapi-backend';
import { ensureMaterial, type Material } from '../../simulator/crypto/material.js';
import { ManualClock } from '../../simulator/core/clock.js';
import { loadApi } from '../../simulator/http/spec-app.js';
import { CA_SPEC } from '../../simulator/ca/ca-app.js';
import { ADMIN_SPEC } from '../../simulator/admin/admin-app.js';

let materialOnce: Promise<{ dir: string; material: Material }> | undefined;

/** Where the test runner keeps the certs it generated once for every test file it runs. */
export const SHARED_CERTS_VARIABLE = 'CDA_SIM_TEST_CERTS';

/** Generates (or loads, if `dir` has them) the crypto material tests share. */
export async function testMaterial(dir: string): Promise<Material> {
  return (await ensureMaterial(dir, { clock: new ManualClock(Date.now()) })).material;
}

/**
 * The one generated certs dir all tests share (read-only: copy it to change it): the runner's
 * (generated once for the whole run), or else one generated for this process.
 */
export function sharedMaterial(): Promise<{ dir: string; material: Material }> {
  materialOnce ??= (async () => {
    const dir = process.env[SHARED_CERTS_VARIABLE] || fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-test-certs-'));
    return { dir, material: await testMaterial(dir) };
  })();
  return materialOnce;
}

const apis = new Map<string, Promise<OpenAPIBackend>>();
/** OpenAPI documents are loaded once per process, as a long-running server would. */
export function specApi(file: 'ca' | 'admin'): Promise<OpenAPIBackend> {
  const spec = file === 'ca' ? CA_SPEC : ADMIN_SPEC;
  if (!apis.has(spec)) apis.set(spec, loadApi(spec));
  return apis.get(spec)!;
}

export function tempDir(prefix = 'cda-sim-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const uuid = (): string => randomUUID();

export function peiName(holder = uuid(), asset = uuid()): string {
  return `urn:pei:${holder}:${asset}`;
}

/**
 * Runs at most `n` of the given tasks at once. For files that play many independent rehearsals:
 * each mostly waits on a provider's timers, so started together a few at a time they take a
 * fraction of their sum. A task's failure is its caller's, not an unhandled rejection.
 */
export { concurrencyLimit } from '../../simulator/core/concurrency-limit.js';

/** A promise started now and awaited later (by a test): its rejection waits for that test. */
export function startedNow<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
