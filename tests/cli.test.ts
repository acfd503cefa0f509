// The `cda-sim` command as a user runs it: a child process, real files, real exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { decodeUnverified } from '../simulator/crypto/jose.js';
import { Store } from '../simulator/store/state.js';
import { Journal } from '../simulator/store/journal.js';
import { SubmissionStore } from '../simulator/reporting/submissions.js';
import { loadTestUsers } from '../simulator/testdata/users.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { CLI, patFor, spawnSim } from './helpers/spawn-sim.js';

function run(args: string[], cwd = tempDir()) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--help lists every command', () => {
  const r = run(['--help']);
  assert.is(r.code, 0);
  for (const c of ['start', 'certs', 'token', 'users', 'reset', 'journal']) assert.match(r.stdout, new RegExp(`cda-sim ${c}`));
});

test('no command, an unknown command or option: exit 2 with a pointer to --help', () => {
  for (const args of [[], ['fly'], ['users', '--colour']]) {
    const r = run(args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, /cda-sim --help/);
  }
});

test('token user CP01 prints a valid user token for that user; variants break it as asked', async () => {
  const { dir } = await sharedMaterial();
  const cp01 = loadTestUsers().find((u) => u.id === 'CP01')!;
  const r = run(['token', 'user', 'CP01', '--certs-dir', dir]);
  assert.is(r.code, 0, r.stderr);
  const { header, payload } = decodeUnverified(r.stdout.trim())!;
  assert.is(header.alg, 'RS256');
  assert.match(String(header.kid), /^pfs-/);
  assert.is(payload.sub, cp01.sub);
  assert.is(payload.name, cp01.name);
  assert.is(payload.aud, 'https://localhost:8443/token');
  assert.is((payload.exp as number) - (payload.iat as number), 60);
  const expired = decodeUnverified(run(['token', 'user', 'CP01', '--certs-dir', dir, '--variant', 'expired']).stdout.trim())!;
  assert.ok((expired.payload.exp as number) < Date.now() / 1000);
  const aud = decodeUnverified(run(['token', 'user', 'CP01', '--certs-dir', dir, '--variant', 'wrong-audience']).stdout.trim())!;
  assert.is.not(aud.payload.aud, 'https://localhost:8443/token');
  const unknown = run(['token', 'user', 'ZZ99', '--certs-dir', dir]);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown test user "ZZ99"; known: CP01/);
});

test('certs: created on first use, shown with fingerprints and expiry, kept by reset', async () => {
  const cwd = tempDir();
  const created = run(['certs', 'create'], cwd);
  assert.is(created.code, 0, created.stderr);
  assert.ok(fs.existsSync(path.join(cwd, 'certs', 'ca.crt')));
  const show = run(['certs', 'show'], cwd);
  assert.is(show.code, 0);
  assert.match(show.stdout, /server/);
  assert.match(show.stdout, /([0-9A-F]{2}:){31}[0-9A-F]{2}/);
  const before = fs.readFileSync(path.join(cwd, 'certs', 'server.crt'), 'utf8');
  assert.is(run(['reset'], cwd).code, 0);
  assert.is(fs.readFileSync(path.join(cwd, 'certs', 'server.crt'), 'utf8'), before, 'reset keeps crypto material');
});

test('reset with no simulator running clears the state directory and the journal', async () => {
  const cwd = tempDir();
  const stateDir = path.join(cwd, '.cda-sim');
  const store = await Store.open(stateDir);
  const now = new Date().toISOString();
  store.putResource({ resource_id: 'r1', name: 'urn:pei:x:y', description: 'S', match_status: 'match-yes', resource_scopes: ['owner'], request_id: randomUUID(), owner: 'u', created_at: now, updated_at: now, history: [] });
  await store.close();
  const journal = new Journal(stateDir, Date.now);
  journal.record({ direction: 'in', role: 'ca', method: 'GET', url: '/x', path: '/x', requestHeaders: {}, status: 200, responseHeaders: {}, durationMs: 1 });
  journal.close();
  const submissions = SubmissionStore.open(stateDir);
  submissions.add({ receivedAt: new Date().toISOString(), endpoint: 'view-response/request-number', requestId: randomUUID(), body: {} });
  submissions.close();
  const r = run(['reset'], cwd);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /cleared 1 registration/);
  const after2 = SubmissionStore.open(stateDir);
  assert.is(after2.all().length, 0, 'reporting submissions are cleared too');
  after2.close();
  const after = await Store.open(stateDir);
  assert.is(after.resources().length, 0);
  await after.close();
  assert.is(fs.readFileSync(path.join(stateDir, 'journal.ndjson'), 'utf8'), '');
});

test('reset and journal against a running simulator (reset goes through its admin API)', async () => {
  const { dir } = await sharedMaterial();
  const cwd = tempDir();
  const stateDir = path.join(cwd, 'state');
  const sim = await spawnSim(['--state-dir', stateDir, '--certs-dir', dir, '--https-port', '-1', '--http-port', '0', '--admin-port', '0']);
  try {
    const pat = await patFor(sim, 'CP01');
    const rid = randomUUID();
    const reg = await fetch(`${sim.http}/rreguri`, {
      method: 'POST',
      headers: { 'X-Request-ID': rid, 'Content-Type': 'application/json', Authorization: `Bearer ${pat}` },
      body: JSON.stringify({ name: `urn:pei:${randomUUID()}:${randomUUID()}`, description: 'S', match_status: 'match-yes', resource_scopes: ['owner'] }),
    });
    assert.is(reg.status, 201);
    await fetch(`${sim.http}/rreguri`, { method: 'POST', headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'text/plain' }, body: 'x' });

    const byId = run(['journal', '--state-dir', stateDir, '--request-id', rid], cwd);
    assert.is(byId.code, 0);
    assert.is(byId.stdout.trim().split('\n').length, 1);
    assert.match(byId.stdout, /POST\s+\/rreguri\s+201/);
    const by415 = run(['journal', '--state-dir', stateDir, '--status', '415', '--json'], cwd);
    const entries = by415.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.is(entries.length, 1);
    assert.is(entries[0].responseBody.errors[0].field, 'Content-Type');
    const byPath = run(['journal', '--state-dir', stateDir, '--path', '/token'], cwd);
    assert.is(byPath.stdout.trim().split('\n').length, 1);

    const reset = run(['reset', '--state-dir', stateDir], cwd);
    assert.is(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /cleared 1 registration\(s\), 1 PAT/);
    // spawnSync blocked this process for seconds: let it see the admin port close its idle
    // keep-alive socket meanwhile, or fetch reuses the closed socket ("other side closed").
    await new Promise((r) => setTimeout(r, 20));
    const status = (await (await fetch(`${sim.admin}/admin/status`)).json()) as { counts: { registrations: number; pats: number } };
    assert.is(status.counts.registrations, 0);
    assert.is(status.counts.pats, 0);
  } finally {
    assert.is(await sim.stop(), 0);
  }
});

test('users lists the seeded test users', () => {
  const r = run(['users']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /^CP01\s/m);
  assert.match(r.stdout, /^OAT01\s/m);
});

test.run();
