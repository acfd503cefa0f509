// Hostile input against every listener of a real `cda-sim start` child process: the C&A over HTTP
// and HTTPS (mTLS), the reporting service beside it, the admin API and the console. Each request
// breaks one rule (deep or huge JSON, invalid UTF-8, NUL, a foreign charset, bad %-encoding, a
// body where none is defined, garbage). Bounded: about two thousand requests. Afterwards: the
// process is alive and answers, no answer was a 5xx (none was injected), and nothing changed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import https from 'node:https';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { patFor, spawnSim, type SpawnedSim } from './helpers/spawn-sim.js';

interface Probe {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  what: string;
}

const CA_PATHS = ['/token', '/rreguri', '/rreguri/{id}', '/perm', '/introspect', '/jwk_uri', '/.well-known/jwks.json', '/.well-known/uma2-configuration'];
const REPORTING_PATHS = ['/service-availability/find', '/service-availability/view', '/view-response/request-number', '/view-response/response-time', '/view-response/calculations', '/view-response/unavailable', '/configuration'];
const ADMIN_PATHS = ['/admin/status', '/admin/users', '/admin/users/{id}/token', '/admin/registrations', '/admin/journal', '/admin/faults', '/admin/reset', '/console/api/overview', '/console/api/timeline', '/console/api/exchanges/{id}', '/console/api/registrations', '/console/api/runs', '/console/api/runs/{id}/files/{id}'];
const METHODS = ['GET', 'POST', 'PATCH', 'DELETE'];

const json = { 'Content-Type': 'application/json' };
const deep = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));

/** One malformed variant per rule, each a function of the path (some need the path's parameter). */
function variants(path: string, resourceId: string): Omit<Probe, 'method'>[] {
  const p = path.replace(/\{id\}/g, resourceId);
  const out: Omit<Probe, 'method'>[] = [
    { path: p, headers: json, body: deep(10000), what: 'JSON nested 10,000 deep' },
    { path: p, headers: json, body: Buffer.from('{"name":"\u0000"}'.replace('\u0000', '\\u0000')), what: 'an escaped NUL in JSON' },
    { path: p, headers: json, body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x00, 0x22, 0x7d]), what: 'a raw NUL byte' },
    { path: p, headers: json, body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), what: 'invalid UTF-8' },
    { path: p, headers: { 'Content-Type': 'application/json; charset=utf-7' }, body: Buffer.from('{"a":"+AGEAYgBj-"}'), what: 'charset utf-7' },
    { path: p, headers: json, body: Buffer.from('{"name": "unterminated'), what: 'truncated JSON' },
    { path: p, headers: json, body: Buffer.alloc(1024 * 1024 + 10, 0x20), what: 'a body over 1 MiB' },
    { path: p, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from([0x74, 0x6f, 0x6b, 0x65, 0x6e, 0x3d, 0xc3, 0x28]), what: 'a form with invalid UTF-8' },
    { path: p, headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.from([1, 2, 3, 0, 255]), what: 'binary garbage' },
    { path: `${p}?limit=%zz&x[]=%E0%A4%A&status=-1`, headers: {}, what: 'a query string with bad %-encoding' },
  ];
  if (path.includes('{id}')) {
    out.push({ path: path.replace(/\{id\}/g, '%E0%A4%A'), headers: {}, what: 'a path parameter with bad %-encoding' });
    out.push({ path: path.replace(/\{id\}/g, '%zz'), headers: json, body: deep(20000), what: 'bad %-encoding and deep JSON' });
  }
  return out;
}

function send(base: string, probe: Probe, tls?: { ca: string; cert: string; key: string }): Promise<number> {
  const url = new URL(base);
  const options = { method: probe.method, host: url.hostname, port: url.port, path: probe.path, headers: { 'X-Request-ID': randomUUID(), ...probe.headers }, timeout: 5000, agent: false as const };
  return new Promise((resolve) => {
    const req = (tls ? https : http).request(tls ? { ...options, ...tls } : options, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(res.statusCode ?? 0));
    });
    // A refused or cut connection is an answer too (a 413 may close the socket mid-upload); a 5xx is not.
    req.on('error', () => resolve(-1));
    req.on('timeout', () => req.destroy());
    req.end(probe.body);
  });
}

async function snapshot(sim: SpawnedSim): Promise<string> {
  const get = async (p: string) => (await fetch(`${sim.admin}${p}`)).json();
  const status = (await get('/admin/status')) as Record<string, unknown>;
  const registrations = await get('/admin/registrations');
  const faults = await get('/admin/faults');
  const { registrations: n, reportingSubmissions, tokens } = status as Record<string, unknown>;
  return JSON.stringify({ n, reportingSubmissions, tokens, registrations, faults });
}

test('every listener survives malformed requests of every kind: no crash, no 5xx, no state change', async () => {
  const { dir, material } = await sharedMaterial();
  const sim = await spawnSim(['--state-dir', tempDir(), '--certs-dir', dir, '--https-port', '0', '--http-port', '0', '--admin-port', '0']);
  try {
    const pat = await patFor(sim, 'CP01');
    const reg = await fetch(`${sim.http}/rreguri`, {
      method: 'POST',
      headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/json', Authorization: `Bearer ${pat}` },
      body: JSON.stringify({ name: `urn:pei:${randomUUID()}:${randomUUID()}`, description: 'FUZZ SCHEME', match_status: 'match-yes', resource_scopes: ['owner', 'value'] }),
    });
    assert.is(reg.status, 201);
    const resourceId = ((await reg.json()) as { resource_id: string }).resource_id;
    const before = await snapshot(sim);

    const tls = { ca: material.ca.cert, cert: material.providerClient.cert, key: material.providerClient.key };
    const targets: [string, string[], typeof tls | undefined][] = [
      [sim.http, [...CA_PATHS, ...REPORTING_PATHS], undefined],
      [sim.https!, [...CA_PATHS, ...REPORTING_PATHS], tls],
      [sim.admin, ADMIN_PATHS, undefined],
    ];
    const fives: string[] = [];
    let sent = 0;
    for (const [base, paths, withTls] of targets) {
      const probes = paths.flatMap((p) => variants(p, resourceId)).flatMap((v) => METHODS.map((method) => ({ ...v, method, headers: { ...v.headers, Authorization: `Bearer ${pat}` } })));
      // A few at a time: bounded load, and a crash shows as the first refused connection.
      for (let i = 0; i < probes.length; i += 8) {
        const batch = probes.slice(i, i + 8);
        const statuses = await Promise.all(batch.map((p) => send(base, p, withTls)));
        statuses.forEach((s, j) => {
          if (s >= 500) fives.push(`${batch[j].method} ${base}${batch[j].path} (${batch[j].what}) → ${s}`);
        });
        sent += batch.length;
        assert.is(sim.child.exitCode, null, `cda-sim exited after ${sent} requests:\n${sim.output().slice(-2000)}`);
      }
    }
    assert.ok(sent > 1500, `${sent} requests sent`);
    assert.equal(fives, [], fives.slice(0, 20).join('\n'));
    // Still alive, still answering, and nothing a refused request carried changed the state.
    assert.is((await fetch(`${sim.http}/jwk_uri`)).status, 200);
    assert.is(await snapshot(sim), before);
    const still = await fetch(`${sim.http}/rreguri/${resourceId}`, { headers: { 'X-Request-ID': randomUUID(), Authorization: `Bearer ${pat}` } });
    assert.is(still.status, 200, 'the registered PeI survived every malformed DELETE');
  } finally {
    await sim.stop();
  }
});

test.run();
