// Faults of the machine: a disk that fills up (an injected ENOSPC in the one place durable files are
// written) gives 503s with a problem body for writes while reads go on, nothing crashes, and the
// next write once space returns is served normally; --fsync takes the group commit's fdatasync for
// the state, the journal and reporting submissions before the answer; a state directory that cannot
// be used stops `cda-sim start` with one line and exit code 3.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { startSimulator, type Simulator } from '../simulator/server/simulator.js';
import { checkStateDir, disk } from '../simulator/store/disk.js';
import { readJournal } from '../simulator/store/journal.js';
import { sharedMaterial, specApi, tempDir } from './helpers/fixtures.js';
import { CLI } from './helpers/spawn-sim.js';

const enospc = () => Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
const H = 'd70f7b57-5fbc-46a9-8cf4-a97cb7cd67d3';

async function startSim(opts: { fsync?: boolean } = {}): Promise<Simulator> {
  const { dir } = await sharedMaterial();
  return startSimulator({ stateDir: tempDir(), certsDir: dir, httpsPort: null, httpPort: 0, adminPort: 0, fsync: opts.fsync, apis: { ca: await specApi('ca'), admin: await specApi('admin') } });
}

async function pat(sim: Simulator, user = 'IT02'): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const minted = (await (await fetch(`${sim.endpoints.admin}/admin/users/${user}/token`, { method: 'POST' })).json()) as { user_token: string };
  const res = await fetch(`${sim.endpoints.http}/token`, {
    method: 'POST',
    headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: minted.user_token, scope: 'uma_protection' }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function register(sim: Simulator, token: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${sim.endpoints.http}/rreguri`, {
    method: 'POST',
    headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: `urn:pei:${randomUUID()}:${randomUUID()}`, description: 'IT02 SCHEME', match_status: 'match-yes', resource_scopes: ['owner', 'value'] }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function submitReport(sim: Simulator): Promise<Response> {
  const day = new Date().toISOString().slice(0, 10);
  return fetch(`${sim.endpoints.http}/view-response/request-number`, {
    method: 'POST',
    headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/json' },
    body: JSON.stringify({ record_id: randomUUID(), submission_status: 'on time', reporting_period_start: `${day}T00:00:00.000Z`, submission_id: null, submission_reason: 'initial submission', holdernameGuid: H, req_count: 3 }),
  });
}

const status = async (sim: Simulator) => (await (await fetch(`${sim.endpoints.admin}/admin/status`)).json()) as { storage: { state: { failing: boolean; writeFailures: number }; journal: { writeFailures: number; unwritten: number } } };

/** Run `body` with every durable write refused (ENOSPC), stderr kept aside. */
async function withFullDisk<T>(body: () => Promise<T>): Promise<{ result: T; stderr: string[] }> {
  const [write, error] = [disk.writeSync, console.error];
  const stderr: string[] = [];
  disk.writeSync = () => {
    throw enospc();
  };
  console.error = (m: string) => stderr.push(String(m));
  try {
    return { result: await body(), stderr };
  } finally {
    [disk.writeSync, console.error] = [write, error];
  }
}

test('disk full: writes answer 503 with a problem body, reads are served, status counts it; space back, writes succeed', async () => {
  const sim = await startSim();
  try {
    const token = (await pat(sim)).body.access_token as string;
    const before = await register(sim, token);
    assert.is(before.status, 201);
    const { result, stderr } = await withFullDisk(async () => ({
      registration: await register(sim, token),
      newPat: await pat(sim, 'IT03'),
      report: await submitReport(sim),
      read: await fetch(`${sim.endpoints.http}/rreguri/${before.body.resource_id}`, { headers: { Authorization: `Bearer ${token}`, 'X-Request-ID': randomUUID() } }),
      jwks: await fetch(`${sim.endpoints.http}/jwk_uri`),
      status: await status(sim),
    }));
    for (const [what, r] of [['registration', result.registration], ['PAT', result.newPat]] as const) {
      assert.is(r.status, 503, what);
      assert.is(r.headers.get('content-type'), 'application/problem+json; charset=utf-8', what);
      assert.is(r.headers.get('retry-after'), '5', what);
      assert.is(r.body.type, 'urn:cda-sim:problem:storage-unavailable', what);
      assert.match(String(r.body.detail), /ENOSPC/, what);
    }
    assert.is(result.report.status, 503, 'a reporting submission is not acknowledged either');
    assert.is(result.read.status, 200, 'reads go on');
    assert.is(result.jwks.status, 200);
    assert.is(result.status.storage.state.failing, true);
    assert.ok(result.status.storage.journal.writeFailures > 0 && result.status.storage.journal.unwritten > 0);
    assert.ok(stderr.some((l) => /write-ahead log failed .*ENOSPC/.test(l)));
    // Nothing of the refused writes is served.
    assert.is(sim.store.resources().length, 1);
    assert.is(sim.submissions.all().length, 0);

    // Space is back: the next writes are served normally, and the held journal lines reach the disk.
    const recovered: string[] = [];
    const error = console.error;
    console.error = (m: string) => recovered.push(m);
    try {
      assert.is((await register(sim, token)).status, 201);
      assert.is((await pat(sim, 'IT03')).status, 200);
      assert.is((await submitReport(sim)).status, 202);
    } finally {
      console.error = error;
    }
    assert.ok(recovered.some((l) => /state can be written again/.test(l)) && recovered.some((l) => /journal can be written again/.test(l)), recovered.join('\n'));
    const after = await status(sim);
    assert.is(after.storage.state.failing, false);
    assert.is(after.storage.journal.unwritten, 0);
    const refused = await readJournal(sim.journal.file, { status: 503 });
    assert.is(refused.length, 3, 'the refused exchanges are journalled, once the disk took them');
  } finally {
    await sim.close();
  }
});

test('--fsync: the state, the journal and reporting submissions are fdatasynced before the answer, once per turn', async () => {
  const sim = await startSim({ fsync: true });
  const synced: string[] = [];
  const orig = disk.fdatasyncSync;
  disk.fdatasyncSync = (fd) => {
    synced.push(path.basename(fs.readlinkSync(`/proc/self/fd/${fd}`)));
    orig(fd);
  };
  try {
    const token = (await pat(sim)).body.access_token as string;
    synced.length = 0;
    assert.is((await register(sim, token)).status, 201);
    assert.ok(synced.some((f) => f.startsWith('wal-')), `the registration's log line synced before its 201: ${synced}`);
    assert.ok(synced.includes('journal.ndjson'), 'journal lines written before the answer were synced with it');
    synced.length = 0;
    assert.is((await submitReport(sim)).status, 202);
    assert.ok(synced.includes('reporting-submissions.ndjson'), `the submission synced before its 202: ${synced}`);
    assert.is(synced.filter((f) => f === 'reporting-submissions.ndjson').length, 1);
  } finally {
    disk.fdatasyncSync = orig;
    await sim.close();
  }
});

test('a state directory with no space is named with the cause', () => {
  const dir = tempDir();
  const orig = disk.writeSync;
  disk.writeSync = () => {
    throw enospc();
  };
  try {
    assert.throws(() => checkStateDir(dir), (err: Error) => err.message === `the state directory ${dir} is unusable: no space left on the device (ENOSPC)`);
  } finally {
    disk.writeSync = orig;
  }
});

/** `cda-sim start` as a child process, on a state directory it cannot use. */
function startOn(stateDir: string, certsDir: string, asUser?: number) {
  const r = spawnSync(process.execPath, [CLI, 'start', '--state-dir', stateDir, '--certs-dir', certsDir, '--https-port', '0', '--http-port', '0', '--admin-port', '0'], {
    encoding: 'utf8',
    timeout: 20_000,
    // Only what cda-sim says: no warning about the test runner's colour settings.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'FORCE_COLOR' && k !== 'NO_COLOR')),
    ...(asUser !== undefined ? { uid: asUser, gid: asUser } : {}),
  });
  return { code: r.status, lines: (r.stdout + r.stderr).split('\n').filter(Boolean) };
}

test('start on a state directory that is a file: exit 3, one line naming it and the cause', async () => {
  const { dir } = await sharedMaterial();
  const file = path.join(tempDir(), 'not-a-dir');
  fs.writeFileSync(file, 'x');
  const r = startOn(file, dir);
  assert.is(r.code, 3);
  assert.equal(r.lines, [`cda-sim: the state directory ${file} is unusable: it is not a directory (ENOTDIR)`]);
});

test('start on a state directory it cannot write: exit 3, one line naming it and the cause', async () => {
  // Root writes through any mode bits, so as root the child runs as "nobody"; its certs dir is its own.
  const asUser = process.getuid?.() === 0 ? 65534 : undefined;
  const base = tempDir();
  fs.chmodSync(base, 0o755);
  const certs = path.join(base, 'certs');
  fs.cpSync((await sharedMaterial()).dir, certs, { recursive: true });
  const state = path.join(base, 'state');
  fs.mkdirSync(state, { mode: 0o555 });
  if (asUser !== undefined) for (const p of [certs, ...fs.readdirSync(certs).map((f) => path.join(certs, f))]) fs.chownSync(p, asUser, asUser);
  const r = startOn(state, certs, asUser);
  assert.is(r.code, 3, r.lines.join('\n'));
  assert.is(r.lines.length, 1, r.lines.join('\n'));
  assert.match(r.lines[0], new RegExp(`^cda-sim: the state directory ${state} is unusable: (permission denied|the file system is read-only)`));
});

test.run();
