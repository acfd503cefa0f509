// The store: snapshot + write-ahead log. Reopening after a crash replays what was acknowledged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Store, type Resource } from '../simulator/store/state.js';
import { tempDir } from './helpers/fixtures.js';
import { disk } from '../simulator/store/disk.js';

function resource(over: Partial<Resource> = {}): Resource {
  const now = new Date().toISOString();
  return {
    resource_id: `${randomUUID()}1`,
    name: `urn:pei:${randomUUID()}:${randomUUID()}`,
    description: 'S',
    match_status: 'match-yes',
    resource_scopes: ['owner'],
    request_id: randomUUID(),
    owner: 'user-1',
    created_at: now,
    updated_at: now,
    history: [],
    ...over,
  };
}

/** What the HTTP layer waits for before answering: every mutation so far written to the log. */
const durable = (s: Store) => new Promise<void>((resolve, reject) => s.whenDurable((err) => (err ? reject(err) : resolve())));

const walFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('wal-')).map((f) => path.join(dir, f));

test('a store that was never closed (a crash) is rebuilt from its write-ahead log', async () => {
  const dir = tempDir();
  const s = await Store.open(dir);
  const r = resource();
  s.putResource(r);
  s.putPat({ jti: 'j1', sub: 'user-1', token: 'tok', issued_at: 1, exp: 9e9 });
  await durable(s);
  // no close(): the snapshot on disk predates both writes
  const again = await Store.open(dir);
  assert.equal(again.resource(r.resource_id), r);
  assert.is(again.liveResourceByName(r.name)!.resource_id, r.resource_id);
  assert.ok(again.registrationRequestIdUsed(r.request_id));
  assert.is(again.patByToken('tok')!.sub, 'user-1');
  assert.is(again.patForUser('user-1')!.jti, 'j1');
  await again.close();
});

test('a torn last line (a crash mid-write) is ignored; everything before it survives', async () => {
  const dir = tempDir();
  const s = await Store.open(dir);
  const a = resource();
  s.putResource(a);
  await durable(s);
  const [wal] = walFiles(dir);
  fs.appendFileSync(wal, '{"op":"resource","value":{"resource_id":"x');
  const again = await Store.open(dir);
  assert.ok(again.resource(a.resource_id));
  assert.is(again.resources().length, 1);
  await again.close();
});

test('damage in the middle of the log is reported, naming the file and line', async () => {
  const dir = tempDir();
  const s = await Store.open(dir);
  s.putResource(resource());
  s.putResource(resource());
  await durable(s);
  const [wal] = walFiles(dir);
  const lines = fs.readFileSync(wal, 'utf8').split('\n');
  lines[0] = 'garbage';
  fs.writeFileSync(wal, lines.join('\n'));
  try {
    await Store.open(dir);
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.match((err as Error).message, /wal-.*line 1 is not valid JSON/);
  }
});

test('a crash between writing the snapshot and removing the old log applies nothing twice', async () => {
  const dir = tempDir();
  const s = await Store.open(dir);
  const r = resource();
  s.putResource(r);
  s.putResource({ ...r, match_status: 'match-possible' });
  await durable(s);
  const walCopy = fs.readFileSync(walFiles(dir)[0], 'utf8');
  await s.close(); // snapshot written, log folded
  // Put the old log back, as if the process died before deleting it.
  fs.writeFileSync(path.join(dir, 'wal-000000000001.ndjson'), walCopy);
  const again = await Store.open(dir);
  assert.is(again.resource(r.resource_id)!.match_status, 'match-possible');
  assert.is(again.data.lastSeq, 2);
  again.putResource(resource());
  assert.is(again.data.lastSeq, 3);
  await again.close();
});

test('a deleted PeI frees its name but keeps its request id (409 stays)', async () => {
  const dir = tempDir();
  const s = await Store.open(dir);
  const r = resource();
  s.putResource(r);
  s.putResource({ ...r, deleted_at: new Date().toISOString(), deletion_reason: 'asset-removed' });
  assert.is(s.liveResourceByName(r.name), undefined);
  assert.ok(s.registrationRequestIdUsed(r.request_id));
  await s.close();
  const again = await Store.open(dir);
  assert.is(again.liveResourceByName(r.name), undefined);
  assert.ok(again.resource(r.resource_id)!.deleted_at);
  await again.close();
});

test('reset clears everything, durably', async () => {
  const dir = tempDir();
  const s = await Store.open(dir, { fsync: true });
  s.putResource(resource());
  s.putPat({ jti: 'j', sub: 's', token: 't', issued_at: 1, exp: 2 });
  s.reset();
  assert.is(s.resources().length, 0);
  assert.is(s.patByToken('t'), undefined);
  await durable(s);
  const again = await Store.open(dir);
  assert.is(again.resources().length, 0);
  assert.equal(again.data.pats, {});
  await again.close();
});

test('the log is folded into the snapshot once it reaches compactAfter entries', async () => {
  const dir = tempDir();
  const s = await Store.open(dir, { compactAfter: 10 });
  for (let i = 0; i < 25; i++) s.putResource(resource());
  await s.compact();
  const snap = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  assert.is(Object.keys(snap.resources).length, 25);
  const walLines = walFiles(dir).flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean));
  assert.is(walLines.length, 0);
  await s.close();
});

test('one turn of the event loop is one write: its mutations become durable together, before any answer', async () => {
  const dir = tempDir();
  const s = await Store.open(dir);
  const released: string[] = [];
  for (let i = 0; i < 5; i++) s.putResource(resource({ description: `R${i}` }));
  assert.not.ok(s.durable, 'applied in memory, not yet written');
  s.whenDurable(() => released.push('answer'));
  assert.equal(released, [], 'no answer before the write');
  assert.equal(walFiles(dir), [], 'nothing written within the turn');
  await durable(s);
  assert.equal(released, ['answer']);
  const lines = fs.readFileSync(walFiles(dir)[0], 'utf8').split('\n').filter(Boolean);
  assert.equal(lines.map((l) => JSON.parse(l).value.description), ['R0', 'R1', 'R2', 'R3', 'R4']);
  // With nothing pending, an answer goes at once.
  s.whenDurable(() => released.push('read'));
  assert.equal(released, ['answer', 'read']);
  await s.close();
});

test('a failed log write is never acknowledged: its change is undone in memory, and the next write succeeds', async () => {
  const dir = tempDir();
  const s = await Store.open(dir);
  const kept = resource();
  s.putResource(kept);
  await durable(s);
  const lost = resource();
  const errors: string[] = [];
  const [origWrite, origError] = [disk.writeSync, console.error];
  // The disk fills part-way through the write: a few bytes go, then ENOSPC.
  disk.writeSync = (fd, buf, off, len) => (len > 10 ? origWrite(fd, buf, off, 10) : (() => { throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }); })());
  console.error = (m: string) => errors.push(m);
  try {
    s.putResource(lost);
    s.putPat({ jti: 'j-lost', sub: 'user-9', token: 'tok-lost', issued_at: 1, exp: 9e9 });
    assert.ok(s.resource(lost.resource_id), 'applied in memory within the turn');
    await durable(s).then(() => assert.unreachable('acknowledged a failed write'), (err: Error) => assert.match(err.message, /no space/));
  } finally {
    [disk.writeSync, console.error] = [origWrite, origError];
  }
  assert.match(errors.join('\n'), /write-ahead log failed .*ENOSPC.*refused \(503\)/);
  // Memory is back to what the disk holds: the failed turn is gone, the earlier one kept.
  assert.is(s.resource(lost.resource_id), undefined);
  assert.is(s.liveResourceByName(lost.name), undefined);
  assert.not.ok(s.registrationRequestIdUsed(lost.request_id));
  assert.is(s.patByToken('tok-lost'), undefined);
  assert.ok(s.resource(kept.resource_id));
  assert.equal(s.writeHealth().failing, true);
  // The torn bytes were cut back out of the log, so the next write follows whole lines.
  const again = resource();
  s.putResource(again);
  await durable(s);
  assert.equal(s.writeHealth(), { writeFailures: 1, failing: false, lastError: s.writeHealth().lastError });
  const reopened = await Store.open(dir);
  assert.equal(reopened.resources().map((r) => r.resource_id).sort(), [kept.resource_id, again.resource_id].sort());
  assert.is(reopened.data.lastSeq, 2);
  await reopened.close();
  await s.close();
});

test('state files are private: the directory 0700, the snapshot and log 0600', async () => {
  const dir = path.join(tempDir(), 'state');
  const s = await Store.open(dir);
  s.putResource(resource());
  await durable(s);
  await s.close();
  assert.is(fs.statSync(dir).mode & 0o777, 0o700);
  for (const f of fs.readdirSync(dir)) assert.is(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
  assert.ok(fs.readdirSync(dir).includes('state.json'));
});

test.run();
