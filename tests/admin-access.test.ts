// The admin API and console are safe to leave running: a cross-site form POST, a foreign Host
// header (DNS rebinding) and, off loopback, a call without the state directory's token are all
// refused and change nothing; the console keeps working on loopback with no extra step.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { CLI, patFor, spawnSim, type SpawnedSim } from './helpers/spawn-sim.js';

function request(base: string, p: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: url.port, path: p, method: opts.method ?? 'GET', headers: opts.headers, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const registrations = async (sim: SpawnedSim, headers: Record<string, string> = {}) =>
  ((await (await fetch(`${sim.admin}/admin/registrations`, { headers })).json()) as { registrations: unknown[] }).registrations.length;

async function registerOne(sim: SpawnedSim): Promise<void> {
  const pat = await patFor(sim, 'CP01');
  const res = await fetch(`${sim.http}/rreguri`, {
    method: 'POST',
    headers: { 'X-Request-ID': crypto.randomUUID(), 'Content-Type': 'application/json', Authorization: `Bearer ${pat}` },
    body: JSON.stringify({ name: `urn:pei:${crypto.randomUUID()}:${crypto.randomUUID()}`, description: 'S', match_status: 'match-yes', resource_scopes: ['owner', 'value'] }),
  });
  assert.is(res.status, 201);
}

test('on loopback: a cross-site POST and a foreign Host are refused and change nothing; the console works as it is', async () => {
  const { dir } = await sharedMaterial();
  const sim = await spawnSim(['--state-dir', tempDir(), '--certs-dir', dir, '--https-port', '-1', '--http-port', '0', '--admin-port', '0']);
  try {
    await registerOne(sim);
    const port = new URL(sim.admin).port;
    // A form on another site posting to the admin API (a browser adds both headers).
    const form = { 'Content-Type': 'application/x-www-form-urlencoded', Host: `localhost:${port}` };
    const crossSite = await request(sim.admin, '/admin/reset', { method: 'POST', headers: { ...form, Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' }, body: 'a=1' });
    assert.is(crossSite.status, 403, crossSite.text);
    assert.match(crossSite.text, /CROSS_SITE_REQUEST/);
    const originOnly = await request(sim.admin, '/admin/reset', { method: 'POST', headers: { ...form, Origin: 'http://evil.example' } });
    assert.is(originOnly.status, 403);
    assert.is(await registrations(sim), 1, 'nothing was reset');
    // DNS rebinding: the attacker's name resolves to 127.0.0.1, the Host header still says it.
    const rebound = await request(sim.admin, '/admin/journal', { headers: { Host: `attacker.example:${port}` } });
    assert.is(rebound.status, 403);
    assert.match(rebound.text, /HOST_NOT_ALLOWED/);
    assert.not.match(rebound.text, /access_token|Bearer/);
    // The console and its own calls, as a browser on loopback makes them.
    assert.is((await request(sim.admin, '/console/', { headers: { Host: `localhost:${port}` } })).status, 200);
    assert.is((await request(sim.admin, '/console/api/overview', { headers: { Host: `127.0.0.1:${port}`, 'Sec-Fetch-Site': 'same-origin' } })).status, 200);
    const sameOrigin = await request(sim.admin, '/admin/faults', { method: 'DELETE', headers: { Host: `localhost:${port}`, Origin: `http://localhost:${port}`, 'Sec-Fetch-Site': 'same-origin' } });
    assert.is(sameOrigin.status, 200);
    assert.ok(!fs.existsSync(path.join(sim.output().match(/state: (\S+)/)![1], 'admin-token')), 'no token on loopback');
  } finally {
    await sim.stop();
  }
});

test('off loopback: every admin call needs the token from the state directory (0600), which start prints once', async () => {
  const { dir } = await sharedMaterial();
  const stateDir = tempDir();
  const sim = await spawnSim(['--state-dir', stateDir, '--certs-dir', dir, '--host', '0.0.0.0', '--https-port', '-1', '--http-port', '0', '--admin-port', '0']);
  try {
    const tokenFile = path.join(stateDir, 'admin-token');
    assert.is(fs.statSync(tokenFile).mode & 0o777, 0o600);
    const token = fs.readFileSync(tokenFile, 'utf8').trim();
    assert.ok(sim.output().includes(`token: ${token}`), 'start prints the new token once');
    assert.match(sim.output(), /not on loopback, so every call needs Authorization: Bearer/);
    const port = new URL(sim.admin).port;
    const none = await request(sim.admin, '/admin/registrations', { headers: { Host: `127.0.0.1:${port}` } });
    assert.is(none.status, 401);
    assert.match(none.text, /ADMIN_TOKEN_REQUIRED/);
    const wrong = await request(sim.admin, '/admin/reset', { method: 'POST', headers: { Host: `127.0.0.1:${port}`, Authorization: 'Bearer nope' } });
    assert.is(wrong.status, 401);
    assert.is((await request(sim.admin, '/admin/registrations', { headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}` } })).status, 200);
    // The console opened with ?token= keeps it in a same-site cookie for its own calls.
    const opened = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get({ host: '127.0.0.1', port, path: `/console/?token=${token}` }, resolve).on('error', reject),
    );
    opened.resume();
    assert.is(opened.statusCode, 303);
    const cookie = String(opened.headers['set-cookie']).split(';')[0];
    assert.match(String(opened.headers['set-cookie']), /HttpOnly; SameSite=Strict/i);
    assert.is((await request(sim.admin, '/console/api/overview', { headers: { Host: `127.0.0.1:${port}`, Cookie: cookie } })).status, 200);
    // The CLI reads the token from the state directory.
    const reset = spawnSync(process.execPath, [CLI, 'reset', '--state-dir', stateDir, '--certs-dir', dir], { encoding: 'utf8' });
    assert.is(reset.status, 0, reset.stderr);
  } finally {
    await sim.stop();
  }
});

test.run();
