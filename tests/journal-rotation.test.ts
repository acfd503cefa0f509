// The journal stays bounded: bodies cut in bytes with their size and digest, segments rotated out
// within the cap, reads of the newest entries that do not depend on what was rotated, a run's own
// copy kept whole, a disk that refuses writes survived, and --fsync's group commit taken.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { BODY_LIMIT_BYTES, Journal, MIN_JOURNAL_CAP, readJournal, type NewJournalEntry } from '../simulator/store/journal.js';
import { CommitGroup } from '../simulator/store/commit-group.js';
import { disk } from '../simulator/store/disk.js';
import { DEFAULT_BUDGETS } from '../simulator/config/provider-config.js';
import { loadTestData } from '../simulator/testdata/records.js';
import { loadTestUsers } from '../simulator/testdata/users.js';
import { loadScenario } from '../simulator/scenarios/engine.js';
import { readRunJournal, startRunRecord } from '../simulator/runs/run-record.js';
import { runCli } from './helpers/cli-in-process.js';
import { tempDir } from './helpers/fixtures.js';

const entry = (p: string, body?: unknown): NewJournalEntry => ({ direction: 'in', role: 'ca', method: 'POST', url: p, path: p, requestHeaders: { 'x-request-id': p }, requestBody: body, status: 201, responseHeaders: {}, durationMs: 1 });
const filler = 'x'.repeat(900); // about 1 KB a line
const onDisk = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('journal')).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
const enospc = () => Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });

test('with a small cap the journal stays under it, rotating segments out; the newest exchanges stay readable', async () => {
  const dir = tempDir();
  const journal = new Journal(dir, Date.now, { capBytes: MIN_JOURNAL_CAP });
  const n = 6000; // about 6 MB written through a 2 MiB cap
  for (let i = 1; i <= n; i++) journal.record(entry(`/r/${i}`, { filler }));
  assert.ok(onDisk(dir) <= MIN_JOURNAL_CAP, `${onDisk(dir)} bytes on disk, cap ${MIN_JOURNAL_CAP}`);
  assert.is(journal.status().bytes, onDisk(dir), 'status counts what is on disk');
  assert.ok(fs.readdirSync(dir).filter((f) => /^journal-\d{12}\.ndjson$/.test(f)).length >= 2, 'closed segments beside the active file');
  const newest = await readJournal(journal.file, { limit: 5 });
  assert.equal(newest.map((e) => e.seq), [n - 4, n - 3, n - 2, n - 1, n]);
  // Everything kept reads back in order, without a gap, ending with the newest.
  const kept = (await readJournal(journal.file)).map((e) => e.seq);
  assert.is(kept[kept.length - 1], n);
  assert.equal(kept, Array.from({ length: kept.length }, (_, i) => n - kept.length + 1 + i));
  assert.ok(kept.length < n, 'the oldest were rotated out');
  // A filter reads across segments, newest first.
  assert.equal((await readJournal(journal.file, { path: `/r/${kept[0]}`, limit: 1 })).map((e) => e.seq), [kept[0]]);
  journal.close();
  // Reopened, it carries on from the last seq (here held in a closed segment's file name if the active is empty).
  const again = new Journal(dir, Date.now, { capBytes: MIN_JOURNAL_CAP });
  assert.is(again.record(entry('/after')).seq, n + 1);
  again.close();
});

test('journal --limit 5 reads the newest five across segments', async () => {
  const dir = tempDir();
  const journal = new Journal(dir, Date.now, { capBytes: MIN_JOURNAL_CAP });
  for (let i = 1; i <= 3000; i++) journal.record(entry(`/r/${i}`, { filler }));
  journal.close();
  const r = await runCli(['journal', '--state-dir', dir, '--limit', '5', '--json']);
  assert.is(r.code, 0);
  const seqs = r.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).seq);
  assert.equal(seqs, [2996, 2997, 2998, 2999, 3000]);
});

test('a body over the limit is kept cut to it in bytes, on a character boundary, with its size and sha256', async () => {
  const dir = tempDir();
  const journal = new Journal(dir, Date.now);
  const big = '€'.repeat(300_000); // 900,000 bytes, three to a character
  const seen: unknown[] = [];
  journal.on('entry', (e) => seen.push(e.requestBody));
  const e = journal.record(entry('/big', big));
  const [stored] = await readJournal(journal.file);
  const body = stored.requestBody as string;
  assert.ok(Buffer.byteLength(body) <= BODY_LIMIT_BYTES);
  assert.not.ok(body.includes('\uFFFD'), 'no character cut in half');
  assert.is(Buffer.byteLength(body), stored.requestBodyClipped!.kept);
  assert.equal(stored.requestBodyClipped, { bytes: 900_000, sha256: createHash('sha256').update(big).digest('hex'), kept: BODY_LIMIT_BYTES - (BODY_LIMIT_BYTES % 3) });
  assert.ok(fs.statSync(journal.file).size < BODY_LIMIT_BYTES + 2048, 'one rejected 900 KB request costs about the limit, not its size');
  assert.equal(seen, [e.requestBody], 'subscribers (a run’s copy) get what was kept');
  // A parsed JSON body over the limit: its JSON, cut, with the digest of that JSON.
  const obj = { items: Array.from({ length: 20_000 }, (_, i) => ({ i, v: 'value' })) };
  journal.record(entry('/obj', obj));
  const [last] = await readJournal(journal.file, { limit: 1 });
  assert.is(last.requestBodyClipped!.sha256, createHash('sha256').update(JSON.stringify(obj)).digest('hex'));
  assert.ok((last.requestBody as string).startsWith('{"items":[{"i":0'));
  // A small body is untouched.
  journal.record(entry('/small', { a: 1 }));
  const [small] = await readJournal(journal.file, { limit: 1 });
  assert.equal([small.requestBody, small.requestBodyClipped], [{ a: 1 }, undefined]);
  journal.close();
});

/** What a cut must keep of a text, worked out on its whole encoding: the first bytes up to the limit that end on a character. */
function expectedCut(text: string): { kept: string; bytes: number; sha256: string } {
  const buf = Buffer.from(text, 'utf8');
  let end = Math.min(BODY_LIMIT_BYTES, buf.length);
  while (end < buf.length && end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return { kept: buf.subarray(0, end).toString('utf8'), bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
}

test('a body is journalled the same whichever way round it is cut: serialised first, known large, or its JSON given', () => {
  const ascii = (n: number) => 'a'.repeat(n);
  // Surrogate pairs and 3-byte characters on and around the cut, in string bodies and in the JSON of parsed ones.
  const bodies: unknown[] = [
    ascii(BODY_LIMIT_BYTES - 1) + '😀' + ascii(10),
    ascii(BODY_LIMIT_BYTES - 2) + '😀😀' + ascii(10),
    ascii(BODY_LIMIT_BYTES - 3) + '€'.repeat(5),
    '€'.repeat(30_000),
    ascii(BODY_LIMIT_BYTES),
    ascii(BODY_LIMIT_BYTES + 1),
    { s: ascii(BODY_LIMIT_BYTES - 7) + '😀' + ascii(3) },
    { s: ascii(BODY_LIMIT_BYTES - 8) }, // its JSON is exactly the limit: kept whole
    { items: Array.from({ length: 5000 }, (_, i) => ({ i, v: 'é😀' })) },
  ];
  for (const [n, body] of bodies.entries()) {
    const lines = ['plain', 'large', 'json'].map((how) => {
      const dir = tempDir();
      const journal = new Journal(dir, Date.now);
      const e = { ...entry('/b', body), time: '2026-05-01T00:00:00.000Z' };
      if (how === 'large') e.requestHeaders = { ...e.requestHeaders, 'content-length': String(10 * BODY_LIMIT_BYTES) };
      journal.record(e, how === 'json' && typeof body !== 'string' ? Buffer.from(JSON.stringify(body)) : undefined);
      journal.close();
      const line = JSON.parse(fs.readFileSync(journal.file, 'utf8')) as { requestBody: unknown; requestBodyClipped?: unknown };
      delete (line as { requestHeaders?: unknown }).requestHeaders;
      return line;
    });
    assert.equal(lines[1], lines[0], `body ${n}: known large`);
    assert.equal(lines[2], lines[0], `body ${n}: its JSON given`);
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const want = expectedCut(text);
    if (want.bytes <= BODY_LIMIT_BYTES) assert.equal([lines[0].requestBody, lines[0].requestBodyClipped], [body, undefined], `body ${n}: kept whole`);
    else assert.equal([lines[0].requestBody, lines[0].requestBodyClipped], [want.kept, { bytes: want.bytes, sha256: want.sha256, kept: Buffer.byteLength(want.kept) }], `body ${n}: cut`);
  }
});

test('rotation loses nothing a run refers to: the run keeps its own whole copy', () => {
  const state = tempDir();
  const dir = path.join(state, 'runs', 'r1');
  const config = { provider: { findUrl: 'https://p/find', viewUrl: 'https://p/view', holdernameGuids: [], viewTokenKey: { jwksUrl: 'https://p/jwks' } }, budgets: { ...DEFAULT_BUDGETS } };
  const journal = new Journal(state, Date.now, { capBytes: MIN_JOURNAL_CAP });
  startRunRecord(dir, { journal, scenarios: [loadScenario('connection-proving')], users: loadTestUsers(), testData: loadTestData(), config, referenceFaults: [] });
  for (let i = 1; i <= 4000; i++) journal.record(entry(`/r/${i}`, { filler }));
  journal.close();
  assert.ok(onDisk(state) <= MIN_JOURNAL_CAP, 'the live journal was rotated');
  assert.equal(readRunJournal(dir).map((e) => e.seq), Array.from({ length: 4000 }, (_, i) => i + 1));
});

test('a disk that refuses the journal: nothing throws, the exchange still reaches subscribers, it is held and written once the disk recovers', async () => {
  const dir = tempDir();
  const journal = new Journal(dir, Date.now);
  journal.record(entry('/before'));
  const seen: number[] = [];
  journal.on('entry', (e) => seen.push(e.seq));
  const [origWrite, origError] = [disk.writeSync, console.error];
  const errors: string[] = [];
  disk.writeSync = () => {
    throw enospc();
  };
  console.error = (m: string) => errors.push(m);
  try {
    journal.record(entry('/during-1'));
    journal.record(entry('/during-2'));
  } finally {
    disk.writeSync = origWrite;
  }
  const during = journal.status();
  assert.equal([during.writeFailures, during.unwritten, during.dropped], [2, 2, 0]);
  assert.match(during.lastError!.message, /ENOSPC/);
  assert.equal(seen, [2, 3]);
  assert.is(errors.length, 1, 'said once per outage, counted on the status');
  try {
    journal.record(entry('/after'));
  } finally {
    console.error = origError;
  }
  assert.equal((await readJournal(journal.file)).map((e) => e.path), ['/before', '/during-1', '/during-2', '/after']);
  assert.is(journal.status().unwritten, 0);
  journal.close();
});

test('with --fsync the journal joins the group commit: one fdatasync for a turn’s lines, before the turn’s answers', async () => {
  const dir = tempDir();
  const commits = new CommitGroup(true);
  const journal = new Journal(dir, Date.now, { commits });
  const synced: string[] = [];
  const orig = disk.fdatasyncSync;
  disk.fdatasyncSync = (fd) => {
    synced.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
    orig(fd);
  };
  try {
    for (let i = 0; i < 3; i++) journal.record(entry(`/r/${i}`));
    assert.not.ok(commits.idle, 'an answer now would wait');
    const order: string[] = [];
    await new Promise<void>((resolve) => commits.whenDurable(() => resolve(void order.push(`answer after ${synced.length} sync(s)`))));
    assert.equal(order, ['answer after 1 sync(s)']);
    assert.equal(synced, [fs.realpathSync(journal.file)]);
  } finally {
    disk.fdatasyncSync = orig;
  }
  journal.close();
});

test('journal files are private (0600), and a crash-torn last line is cut off on open', () => {
  const dir = tempDir();
  const journal = new Journal(dir, Date.now, { capBytes: MIN_JOURNAL_CAP });
  for (let i = 1; i <= 3000; i++) journal.record(entry(`/r/${i}`, { filler }));
  journal.close();
  for (const f of fs.readdirSync(dir)) assert.is(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
  fs.appendFileSync(path.join(dir, 'journal.ndjson'), '{"seq":3001,"torn');
  const again = new Journal(dir, Date.now, { capBytes: MIN_JOURNAL_CAP });
  assert.is(again.record(entry('/next')).seq, 3001);
  again.close();
  const tail = fs.readFileSync(path.join(dir, 'journal.ndjson'), 'utf8').trimEnd().split('\n').pop()!;
  assert.is(JSON.parse(tail).path, '/next');
});

test.run();
