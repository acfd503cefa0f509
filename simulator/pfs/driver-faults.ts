// Driver faults: the pension finder service misbehaving as a real network may make it, so a
// provider's find endpoint can be seen coping. Usable as scenario steps ({"do": "driver-fault"}) and
// for a whole rehearsal (`rehearse --fault NAME[=VALUE]`, applied to every find the scenarios send).
//
//   delayed-find[=ms]        the find is signed, then delivered late (default 2000 ms)
//   duplicate-find           the same request twice (the same X-Request-ID)
//   duplicate-find-new-id    a second find for the same person, with its own X-Request-ID
//   out-of-order             two finds for the person, delivered newest first
//   burst[=n]                n finds for the person at once (default 5)
//   malformed-json           a body that is not JSON (a stray comma)
//   truncated-body           Content-Length promises the whole body; half arrives, then the stream ends
//   connection-reset         half the body, then the connection is reset
//   slow-ca[=ms]             the C&A answers every call that much later (default 2000 ms)
import https from 'node:https';
import http from 'node:http';
import type { FaultRegistry } from '../faults/registry.js';
import { CA_FAULT_ENDPOINTS, MAX_DELAY_MS } from '../faults/registry.js';
import type { TestUser } from '../testdata/users.js';
import type { FindRequest } from './find-request.js';
import type { PfsDriver, SentFind } from './pfs-driver.js';

export const DRIVER_FAULTS = ['delayed-find', 'duplicate-find', 'duplicate-find-new-id', 'out-of-order', 'burst', 'malformed-json', 'truncated-body', 'connection-reset', 'slow-ca'] as const;
export type DriverFaultName = (typeof DRIVER_FAULTS)[number];

export interface DriverFault {
  name: DriverFaultName;
  /** delayed-find and slow-ca: milliseconds. */
  delayMs?: number;
  /** burst: how many finds. */
  count?: number;
}

export const DEFAULT_DELAY_MS = 2000;
export const DEFAULT_BURST = 5;
const MAX_BURST = 100;
/** How long a half-sent find waits for the provider to answer before it counts as unanswered. */
const BROKEN_BODY_WAIT_MS = 3000;

/** Check a fault given in data or on the command line; the message names the rule broken. */
export function checkDriverFault(f: { name?: unknown; delayMs?: unknown; count?: unknown }, where: string): DriverFault {
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (!DRIVER_FAULTS.includes(f.name as DriverFaultName)) fail(`"${String(f.name)}" is not a driver fault; known: ${DRIVER_FAULTS.join(', ')}`);
  const name = f.name as DriverFaultName;
  const out: DriverFault = { name };
  if (f.delayMs !== undefined) {
    if (name !== 'delayed-find' && name !== 'slow-ca') fail(`${name} takes no delay (only delayed-find and slow-ca do)`);
    if (!(Number.isInteger(f.delayMs) && (f.delayMs as number) >= 1 && (f.delayMs as number) <= MAX_DELAY_MS)) fail(`the delay must be whole milliseconds, 1–${MAX_DELAY_MS}`);
    out.delayMs = f.delayMs as number;
  }
  if (f.count !== undefined) {
    if (name !== 'burst') fail(`${name} takes no count (only burst does)`);
    if (!(Number.isInteger(f.count) && (f.count as number) >= 2 && (f.count as number) <= MAX_BURST)) fail(`a burst is 2–${MAX_BURST} finds`);
    out.count = f.count as number;
  }
  return out;
}

/** `--fault NAME[=VALUE]`: the value is the delay (ms) or the burst size. */
export function parseDriverFault(flag: string): DriverFault {
  const [name, value, ...rest] = flag.split('=');
  const where = `--fault ${flag}`;
  if (rest.length) throw new Error(`${where}: write NAME or NAME=VALUE`);
  const n = value === undefined ? undefined : /^\d+$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(n)) throw new Error(`${where}: the value must be a whole number`);
  return checkDriverFault({ name, ...(n === undefined ? {} : name === 'burst' ? { count: n } : { delayMs: n }) }, where);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A copy of a request with its body made unparseable, as the provider will see it. */
function unparseable(request: FindRequest, body: string): FindRequest {
  const { bodyValue: _wholeBody, ...rest } = request; // no longer what the body says
  return { ...rest, body, variant: 'unparseable-body' };
}

/**
 * Send half of a find's body, then end the stream (truncated-body) or reset the connection
 * (connection-reset). Journalled like any find; an answer, if the provider gives one, is kept.
 */
async function sendHalf(pfs: PfsDriver, user: TestUser, request: FindRequest, mode: 'truncated' | 'reset', tags?: Record<string, string>): Promise<SentFind> {
  const d = pfs.deps;
  const url = new URL(request.url);
  const full = Buffer.from(request.body);
  const half = full.subarray(0, Math.floor(full.length / 2));
  const headers = { ...request.headers, 'content-length': String(full.length) };
  const sentAt = d.clock.now();
  const t0 = performance.now();
  const lib = url.protocol === 'https:' ? https : http;
  const outcome = await new Promise<{ status: number; text: string; headers: Record<string, string>; error?: { code: string; message: string } }>((resolve) => {
    const tls = d.tls ?? {};
    const req = lib.request(url, { method: 'POST', headers, agent: false, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized ?? true, timeout: BROKEN_BODY_WAIT_MS });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])) }));
      res.on('error', (e) => resolve({ status: res.statusCode ?? 0, text, headers: {}, error: { code: 'RESPONSE_ERROR', message: e.message } }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${BROKEN_BODY_WAIT_MS} ms to a ${mode} body`), { code: 'TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, text: '', headers: {}, error: { code: e.code ?? 'ERROR', message: e.message } }));
    req.write(half, () => {
      if (mode === 'reset') req.destroy(Object.assign(new Error('connection reset by the driver (connection-reset fault)'), { code: 'ECONNRESET' }));
      else req.socket?.end();
    });
  });
  const durationMs = performance.now() - t0;
  d.journal.record({
    time: new Date(sentAt).toISOString(),
    direction: 'out',
    role: 'pfs',
    method: 'POST',
    url: request.url,
    path: url.pathname,
    requestId: request.requestId,
    requestHeaders: headers,
    requestBody: half.toString('utf8'),
    status: outcome.status,
    responseHeaders: outcome.headers,
    responseBody: outcome.text || undefined,
    durationMs,
    tags: { ...tags, user: user.id, variant: `driver-fault:${mode}` },
    ...(outcome.error ? { error: outcome.error.message } : {}),
  });
  const sent: SentFind = { user, request: unparseable(request, half.toString('utf8')), sentAt, ackMs: durationMs };
  if (outcome.error) sent.error = outcome.error;
  else sent.response = { status: outcome.status, headers: outcome.headers, text: outcome.text, durationMs, startedAt: sentAt };
  return sent;
}

/**
 * Play one driver fault for a person. The first find returned is "the" find; the others are the
 * extra ones the fault adds (the duplicate, the newer find, the rest of the burst), in build order.
 */
/** `onlyThisUser`: slow-ca slows only the user's calls (a test case playing beside others), not everyone's. */
export async function playDriverFault(pfs: PfsDriver, faults: FaultRegistry, user: TestUser, fault: DriverFault, tags?: Record<string, string>, onlyThisUser = false): Promise<SentFind[]> {
  switch (fault.name) {
    case 'delayed-find': {
      const request = await pfs.build(user);
      await sleep(fault.delayMs ?? DEFAULT_DELAY_MS);
      return [await pfs.send(user, request, tags)];
    }
    case 'duplicate-find': {
      const request = await pfs.build(user);
      const first = await pfs.send(user, request, tags);
      return [first, await pfs.send(user, request, tags)];
    }
    case 'duplicate-find-new-id': {
      const first = await pfs.send(user, await pfs.build(user), tags);
      return [first, await pfs.send(user, await pfs.build(user), tags)];
    }
    case 'out-of-order': {
      const older = await pfs.build(user);
      const newer = await pfs.build(user);
      const sentNewer = await pfs.send(user, newer, tags);
      return [await pfs.send(user, older, tags), sentNewer];
    }
    case 'burst': {
      const requests = await Promise.all(Array.from({ length: fault.count ?? DEFAULT_BURST }, () => pfs.build(user)));
      return Promise.all(requests.map((r) => pfs.send(user, r, tags)));
    }
    case 'malformed-json': {
      const request = await pfs.build(user);
      return [await pfs.send(user, unparseable(request, request.body.replace(/}$/, ',}')), tags)];
    }
    case 'truncated-body':
      return [await sendHalf(pfs, user, await pfs.build(user), 'truncated', tags)];
    case 'connection-reset':
      return [await sendHalf(pfs, user, await pfs.build(user), 'reset', tags)];
    case 'slow-ca':
      slowCa(faults, fault.delayMs ?? DEFAULT_DELAY_MS, pfs.deps.clock.now(), onlyThisUser ? user.sub : undefined);
      return [await pfs.send(user, await pfs.build(user), tags)];
  }
}

/** Every C&A endpoint answers `delayMs` late for the next hour (or until the rules are cleared). */
export function slowCa(faults: FaultRegistry, delayMs: number, now: number, user?: string): void {
  const until = new Date(now + 3_600_000).toISOString();
  for (const endpoint of CA_FAULT_ENDPOINTS) faults.add({ endpoint, delayMs, until, ...(user ? { user } : {}) });
}
