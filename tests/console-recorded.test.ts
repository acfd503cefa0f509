// The console over recorded data rebuilds the registrations table from the journal alone: it must
// agree with the C&A's own store after registrations, a repeat, a PATCH and a DELETE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startSimulator } from '../simulator/server/simulator.js';
import { recordedSource, type ConsoleRegistration } from '../simulator/console/source.js';
import { sharedMaterial, specApi, tempDir, peiName } from './helpers/fixtures.js';
import { patFor } from './helpers/spawn-sim.js';

test('registrations rebuilt from the journal match the store: owner, PATCH to match-yes, DELETE with its reason', async () => {
  const { dir } = await sharedMaterial();
  const stateDir = tempDir();
  const sim = await startSimulator({ stateDir, certsDir: dir, httpsPort: null, httpPort: 0, adminPort: 0, apis: { ca: await specApi('ca'), admin: await specApi('admin') } });
  try {
    const http = sim.endpoints.http!;
    const pat = await patFor({ http, admin: sim.endpoints.admin! } as Parameters<typeof patFor>[0], 'IT03');
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${http}${path}`, { method, headers: { 'X-Request-ID': randomUUID(), Authorization: `Bearer ${pat}`, ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as { resource_id: string } };
    };
    const register = (name: string, match_status: string) => call('POST', '/rreguri', { name, description: 'IT03 SCHEME', match_status, resource_scopes: ['owner', 'value'], inbound_request_id: randomUUID() });
    const kept = peiName();
    const promoted = peiName();
    const removed = peiName();
    assert.is((await register(kept, 'match-yes')).status, 201);
    assert.is((await register(kept, 'match-yes')).status, 200); // idempotent on name
    const p = await register(promoted, 'match-possible');
    const r = await register(removed, 'match-possible');
    assert.is((await call('PATCH', `/rreguri/${p.body.resource_id}`, { match_status: 'match-yes' })).status, 200);
    assert.is((await call('DELETE', `/rreguri/${r.body.resource_id}?deletion_reason=match-no`)).status, 204);
    assert.is((await register(peiName(), 'not-a-status')).status, 400); // refused: not a registration

    const fromJournal = (await recordedSource({ stateDir, users: sim.users })).registrations();
    const key = (x: ConsoleRegistration) => [x.name, x.resource_id, x.match_status, x.owner_user_id, x.inbound_request_id, x.request_id, x.deletion_reason ?? '', x.deleted_at ? 'deleted' : ''].join('|');
    const fromStore = (await (await fetch(`${sim.endpoints.admin}/console/api/registrations`)).json()) as { registrations: ConsoleRegistration[] };
    assert.is(fromJournal.length, 3);
    assert.equal(fromJournal.map(key).sort(), fromStore.registrations.map(key).sort());
    assert.is(fromJournal.find((x) => x.name === promoted)!.match_status, 'match-yes');
    assert.is(fromJournal.find((x) => x.name === removed)!.deletion_reason, 'match-no');
  } finally {
    await sim.close();
  }
});

test('recordedSource names a run id it cannot find', async () => {
  const stateDir = tempDir();
  fs.writeFileSync(path.join(stateDir, 'journal.ndjson'), '');
  try {
    await recordedSource({ stateDir, runId: '20261124T000000Z-00000000' });
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.match((err as Error).message, /no complete run "20261124T000000Z-00000000"/);
  }
});

test.run();
