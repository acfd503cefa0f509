// "A 2xx means the change is on disk": kill the server with SIGKILL in the middle of a burst of
// registrations, restart it on the same state directory, and find every acknowledged one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { patFor, spawnSim } from './helpers/spawn-sim.js';

const CONNECTIONS = 20;
const KILL_AFTER_ACKS = 400;
const MAX_ATTEMPTS = 3000; // bound on requests sent, whatever happens

test('SIGKILL during a burst of registrations loses no acknowledged registration', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const stateDir = tempDir('cda-sim-crash-');
  const args = ['--state-dir', stateDir, '--certs-dir', certsDir, '--https-port', '-1', '--http-port', '0', '--admin-port', '0'];
  const first = await spawnSim(args);
  const pat = await patFor(first, 'CP01');

  const acked = new Map<string, string>(); // resource_id → name
  let sent = 0;
  let killed = false;
  let refusedAfterKill = 0;
  const worker = async () => {
    while (sent < MAX_ATTEMPTS && !(killed && refusedAfterKill > 0)) {
      sent++;
      const name = `urn:pei:${randomUUID()}:${randomUUID()}`;
      try {
        const res = await fetch(`${first.http}/rreguri`, {
          method: 'POST',
          headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/json', Authorization: `Bearer ${pat}` },
          body: JSON.stringify({ name, description: 'CRASH TEST SCHEME', match_status: 'match-yes', resource_scopes: ['owner', 'value'] }),
          signal: AbortSignal.timeout(5000),
        });
        if (res.status === 201) acked.set(((await res.json()) as { resource_id: string }).resource_id, name);
        else throw new Error(`unexpected ${res.status}`);
        if (!killed && acked.size >= KILL_AFTER_ACKS) {
          killed = true;
          first.child.kill('SIGKILL'); // while the other connections still have requests in flight
        }
      } catch {
        if (killed) refusedAfterKill++;
        else throw new Error('a registration failed before the kill');
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  assert.ok(killed, 'the server was killed mid-burst');
  await first.stop();
  assert.ok(acked.size >= KILL_AFTER_ACKS);

  // Every state file is intact JSON/NDJSON (a torn last WAL line is the only allowed damage).
  const snapshot = path.join(stateDir, 'state.json');
  if (fs.existsSync(snapshot)) JSON.parse(fs.readFileSync(snapshot, 'utf8'));
  for (const wal of fs.readdirSync(stateDir).filter((f) => f.startsWith('wal-'))) {
    const lines = fs.readFileSync(path.join(stateDir, wal), 'utf8').split('\n').filter(Boolean);
    lines.slice(0, -1).forEach((l) => JSON.parse(l));
  }

  const second = await spawnSim(args);
  const pat2 = await patFor(second, 'CP01');
  assert.is(pat2, pat, 'the user’s PAT survived the crash too');
  const missing: string[] = [];
  for (const [id, name] of acked) {
    const res = await fetch(`${second.http}/rreguri/${id}`, { headers: { 'X-Request-ID': randomUUID(), Authorization: `Bearer ${pat2}` } });
    if (res.status !== 200 || ((await res.json()) as { name: string }).name !== name) missing.push(id);
  }
  assert.equal(missing, [], `${missing.length} of ${acked.size} acknowledged registrations were lost`);
  const status = (await (await fetch(`${second.admin}/admin/status`)).json()) as { counts: { registrations: number } };
  // At most the in-flight, unacknowledged ones may exist beyond the acknowledged set.
  assert.ok(status.counts.registrations >= acked.size && status.counts.registrations <= acked.size + CONNECTIONS, `registrations ${status.counts.registrations}, acknowledged ${acked.size}`);
  assert.is(await second.stop('SIGTERM'), 0);
});

test('a graceful stop (SIGTERM) compacts the log into the snapshot and exits 0', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const stateDir = tempDir('cda-sim-stop-');
  const args = ['--state-dir', stateDir, '--certs-dir', certsDir, '--https-port', '-1', '--http-port', '0', '--admin-port', '0'];
  const sim = await spawnSim(args);
  await patFor(sim, 'CP01');
  assert.is(await sim.stop('SIGTERM'), 0);
  assert.match(sim.output(), /state saved/);
  const wals = fs.readdirSync(stateDir).filter((f) => f.startsWith('wal-'));
  for (const w of wals) assert.is(fs.readFileSync(path.join(stateDir, w), 'utf8'), '', `${w} should be empty after compaction`);
  const snap = JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8'));
  assert.is(Object.keys(snap.pats).length, 1);
  assert.not.ok(fs.existsSync(path.join(stateDir, 'simulator.lock')), 'the lock is released');
});

test.run();
