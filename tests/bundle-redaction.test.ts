// What leaves the machine in a bundle: no private key, secret or usable token survives, whatever
// field or format it hides in; and a file that is not a bundle (or a damaged one) is refused with
// a message that says what is wrong with it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { rehearse } from './helpers/rehearse.js';
import { exportRun, readBundle } from '../simulator/runs/bundle.js';
import { readRunJournal, recordedConfig } from '../simulator/runs/run-record.js';
import { PLACEHOLDER, Redactor, redactText, redactValue, SIGNATURE_REMOVED } from '../simulator/runs/redact.js';
import { unwrapToken, wrapToken } from '../simulator/ca/compat.js';
import { buildTimeline } from '../simulator/console/timeline.js';
import { createTarGz, readTarGz } from '../simulator/runs/tar.js';
import { DEFAULT_BUDGETS } from '../simulator/config/provider-config.js';
import { loadScenario, validateScenario } from '../simulator/scenarios/engine.js';
import type { JournalEntry } from '../simulator/store/journal.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { withInspectConsole } from './helpers/inspect-console.js';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const JWS = `${b64({ alg: 'RS256', kid: 'ca-1' })}.${b64({ sub: 'u1', token_type: 'pension_dashboard_pat' })}.c2lnbmF0dXJlLXRoYXQtbXVzdC1nbw`;
const JWE = `${b64({ alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256' })}.ZW5jcnlwdGVka2V5.aXY.Y2lwaGVydGV4dA.dGFn`;
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

test('redaction: JWS keep header and claims but lose the signature; JWE, opaque credentials, PEM keys and private JWK members go', () => {
  const entry = {
    requestHeaders: { authorization: `Bearer ${JWS}`, cookie: 'session=abc123' },
    requestBody: { token: JWS, ticket: JWE, client_secret: 's3cr3t', note: `key ${PEM}`, jwk: { kty: 'RSA', n: 'modulus', e: 'AQAB', d: 'private-exponent', p: 'prime' } },
    url: '/token?assertion=opaque-assertion&scope=owner',
    responseHeaders: { 'www-authenticate': `UMA realm="r", as_uri="https://ca", ticket="${JWE}"` },
    responseBody: { access_token: 'opaque-pat-value', detail: 'presented Bearer opaque-rpt-value', link: 'https://user:hunter2@example.test/x' },
    form: `grant_type=x&ticket=${JWE}&claim_token=${JWS}&client_secret=abc`,
  };
  const red = redactValue(entry) as typeof entry;
  const text = JSON.stringify(red);
  for (const secret of ['c2lnbmF0dXJlLXRoYXQtbXVzdC1nbw', 'ZW5jcnlwdGVka2V5', 'Y2lwaGVydGV4dA', 's3cr3t', 'abc123', 'MIIEvQ', 'private-exponent', 'prime', 'opaque-assertion', 'opaque-pat-value', 'opaque-rpt-value', 'hunter2', 'client_secret=abc']) {
    assert.not.ok(text.includes(secret), `"${secret}" survived: ${text}`);
  }
  // What explains the exchange stays: the JWS header and claims, public JWK members, the scope.
  assert.is(red.requestHeaders.authorization, `Bearer ${JWS.split('.').slice(0, 2).join('.')}.${SIGNATURE_REMOVED}`);
  assert.equal(red.requestBody.jwk, { kty: 'RSA', n: 'modulus', e: 'AQAB' });
  assert.match(red.url, /scope=owner/);
  assert.match(red.requestBody.client_secret, PLACEHOLDER);
  // Redacting twice changes nothing more.
  assert.equal(redactValue(red), red);
  assert.is(redactText(redactText(entry.form)), redactText(entry.form));
});

test('the recorded config drops private key files and credentials, and keeps no folder names', () => {
  const cfg = recordedConfig({
    provider: {
      name: 'Example',
      findUrl: 'https://p.example/find?api_key=k-123',
      viewUrl: 'https://p.example/view',
      holdernameGuids: ['3f9a6a3e-1d2b-4c8e-9f10-2a6b7c8d9e01'],
      viewTokenKey: { pemFile: '/home/jane/keys/view-public.pem' },
      tls: { clientCertFile: '/home/jane/certs/client.crt', clientKeyFile: '/home/jane/certs/client.key', trustCaFile: '/home/jane/certs/ca.pem' },
      clearDown: { url: 'https://admin:pa55@p.example/clear?token=t-456' },
    },
    budgets: { ...DEFAULT_BUDGETS },
  });
  const text = JSON.stringify(cfg);
  for (const s of ['client.key', '/home/jane', 'k-123', 'pa55', 't-456']) assert.not.ok(text.includes(s), `"${s}" survived: ${text}`);
  assert.is(cfg.referenceProvider, false);
  assert.is(cfg.provider.tls?.clientCertFile, 'client.crt');
  assert.is(cfg.provider.viewTokenKey.pemFile, 'view-public.pem');
});

test('each distinct secret gets its own placeholder, the same one wherever it appears, harness wrappers too', () => {
  const ticket = (n: number) => `${b64({ alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256' })}.a2V5${n}.aXY${n}.Y2lwaGVy${n}.dGFn${n}`;
  const [w1, w2] = [ticket(1), ticket(2)].map((t) => wrapToken(t, 'pension_dashboard_pmt'));
  const rpt = wrapToken(JWS, 'pension_dashboard_rpt');
  // One view's round trip per ticket, as the journal records it in --compat maps-harness mode.
  const roundTrip = (w: string) => ({
    perm: { responseBody: { ticket: w } },
    challenge: { responseHeaders: { 'www-authenticate': `UMA realm="r", as_uri="https://ca", ticket="${w}"` } },
    token: { requestBody: { grant_type: 'urn:ietf:params:oauth:grant-type:uma-ticket', ticket: w }, form: `grant_type=x&ticket=${encodeURIComponent(w)}` },
  });
  const journal = { one: roundTrip(w1), two: roundTrip(w2), view: { requestHeaders: { authorization: `Bearer ${rpt}` } }, introspect: { requestBody: { token: rpt }, note: `presented ${rpt}` }, opaque: { access_token: 'opaque-1', again: { access_token: 'opaque-1' }, other: { access_token: 'opaque-2' } } };
  const red = new Redactor().value(journal) as typeof journal;
  const text = JSON.stringify(red);
  for (const secret of [w1, w2, rpt, ticket(1), ticket(2), 'a2V5', 'Y2lwaGVy', 'c2lnbmF0dXJlLXRoYXQtbXVzdC1nbw', 'opaque-1', 'opaque-2']) assert.not.ok(text.includes(secret), `"${secret.slice(0, 30)}" survived: ${text}`);
  const p1 = red.one.perm.responseBody.ticket;
  const p2 = red.two.perm.responseBody.ticket;
  assert.match(p1, /^\[redacted:ticket:\d+\]$/);
  assert.match(p2, PLACEHOLDER);
  assert.is.not(p1, p2);
  // The same ticket reads the same in the /perm answer, the view's challenge and the /token request (body and form).
  for (const [t, p] of [[red.one, p1], [red.two, p2]] as const) {
    assert.is(t.challenge.responseHeaders['www-authenticate'], `UMA realm="r", as_uri="https://ca", ticket="${p}"`);
    assert.is(t.token.requestBody.ticket, p);
    assert.is(new URLSearchParams(t.token.form).get('ticket'), p);
  }
  const rp = /^Bearer (\S+)$/.exec(red.view.requestHeaders.authorization)?.[1];
  assert.match(rp!, /^\[redacted:rpt:\d+\]$/);
  assert.is(red.introspect.requestBody.token, rp);
  assert.is(red.introspect.note, `presented ${rp}`);
  assert.is(red.opaque.access_token, red.opaque.again.access_token);
  assert.is.not(red.opaque.access_token, red.opaque.other.access_token);
  assert.equal(new Redactor().value(red), red, 'redacting again changes nothing');
});

/** Every credential value the raw journal of a run holds, whole; a harness wrapper and the token inside it both. */
function credentialsIn(journal: JournalEntry[]): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => typeof v === 'string' && v.length > 20 && out.add(v) && out.add(unwrapToken(v));
  for (const e of journal) {
    add(/^Bearer\s+(\S+)/i.exec(e.requestHeaders.authorization ?? '')?.[1]);
    add(/ticket="([^"]+)"/.exec(e.responseHeaders['www-authenticate'] ?? '')?.[1]);
    for (const body of [e.requestBody, e.responseBody]) {
      const o = typeof body === 'string' ? Object.fromEntries(new URLSearchParams(body)) : ((body ?? {}) as Record<string, unknown>);
      for (const k of ['access_token', 'ticket', 'assertion', 'claim_token', 'token', 'user_token', 'find_request_token', 'view_data_token']) add(o[k]);
    }
  }
  return [...out];
}

test('a real run exported: no token, signature, secret or private key survives anywhere in the archive', async () => {
  const { dir, material } = await sharedMaterial();
  const stateDir = tempDir();
  const { results } = await rehearse({ stateDir, certsDir: dir, scenarios: ['connection-proving'], progress: () => {} });
  const raw = readRunJournal(path.join(stateDir, 'runs', results.run.id));
  const credentials = credentialsIn(raw);
  // The run did exchange PATs, RPTs, tickets, user tokens and signed view data.
  assert.ok(credentials.length >= 15, `only ${credentials.length} credentials found`);
  // Whatever else a run folder holds travels too, redacted; key files never do.
  const runFolder = path.join(stateDir, 'runs', results.run.id);
  fs.writeFileSync(path.join(runFolder, 'update-file.csv'), `test_id,note\nS2-01,sent with Bearer ${credentials[0]}\n`);
  fs.writeFileSync(path.join(runFolder, 'extra.json'), JSON.stringify({ access_token: 'opaque-extra-secret' }));
  fs.writeFileSync(path.join(runFolder, 'stray.key'), material.cdaClient.key);
  const out = path.join(tempDir(), 'b.tar.gz');
  await exportRun(stateDir, results.run.id, out);
  // Every byte of every member, decompressed (the PDF's streams too).
  const members = readTarGz(fs.readFileSync(out));
  const all = members.map((m) => (m.name.endsWith('.pdf') ? inflatePdfStreams(m.data) : m.data.toString('utf8'))).join('\n');
  for (const c of credentials) {
    const parts = c.split('.');
    assert.not.ok(all.includes(c), `a whole token survived: ${c.slice(0, 40)}…`);
    // A JWS's signature or a JWE's encrypted parts are what would make it usable.
    for (const p of parts.length === 3 ? [parts[2]] : parts.length === 5 ? parts.slice(1) : []) if (p.length > 8) assert.not.ok(all.includes(p), `part of a token survived: ${p.slice(0, 30)}…`);
  }
  assert.not.ok(/PRIVATE KEY/.test(all), 'a PEM private key survived');
  assert.not.ok(all.includes('opaque-extra-secret'));
  const names = members.map((m) => m.name.split('/').slice(1).join('/'));
  assert.ok(names.includes('update-file.csv') && names.includes('extra.json'), names.join(', '));
  assert.not.ok(names.includes('stray.key'));
  for (const key of [material.cdaClient.key, material.server.key]) assert.not.ok(all.includes(key.split('\n')[1]), 'cda-sim key material survived');
  // Redaction keeps the evidence readable: the bundle still explains each test case.
  const b = readBundle(out);
  assert.is(b.results.summary.total, results.summary.total);
  assert.ok(b.journal.some((e) => typeof e.requestHeaders.authorization === 'string' && e.requestHeaders.authorization.endsWith(SIGNATURE_REMOVED)));
});

/** Each /perm call's test case as the console's timeline attributes it. */
const permAttribution = (journal: JournalEntry[]) => buildTimeline(journal).filter((t) => t.path === '/perm').map((t) => [t.seq, t.testCase ?? '(none)']);

/** Export a real run in `compat` mode; what the raw journal held, and the bundle's members. */
async function exportedRun(compat?: 'maps-harness') {
  const { dir } = await sharedMaterial();
  const stateDir = tempDir();
  const { results } = await rehearse({ stateDir, certsDir: dir, scenarios: ['connection-proving'], compat, progress: () => {} });
  const raw = readRunJournal(path.join(stateDir, 'runs', results.run.id));
  const out = path.join(tempDir(), 'b.tar.gz');
  await exportRun(stateDir, results.run.id, out);
  const members = readTarGz(fs.readFileSync(out));
  const all = members.map((m) => (m.name.endsWith('.pdf') ? inflatePdfStreams(m.data) : m.data.toString('utf8'))).join('\n');
  return { raw, out, all, bundle: readBundle(out) };
}

/** No credential of the raw journal, nor the part of a token that makes it usable, is anywhere in `all`. */
function assertNoneSurvive(credentials: string[], all: string): void {
  for (const c of credentials) {
    const parts = c.split('.');
    assert.not.ok(all.includes(c), `a whole token survived: ${c.slice(0, 40)}…`);
    for (const p of parts.length === 3 ? [parts[2]] : parts.length === 5 ? parts.slice(1) : []) if (p.length > 8) assert.not.ok(all.includes(p), `part of a token survived: ${p.slice(0, 30)}…`);
  }
}

test('the default mode: each /perm keeps its own view in the console over the bundle', async () => {
  const { raw, bundle } = await exportedRun();
  const before = permAttribution(raw);
  assert.ok(new Set(before.map(([, tc]) => tc)).size >= 2, `the run's /perm calls belong to several test cases: ${JSON.stringify(before)}`);
  assert.equal(permAttribution(bundle.journal), before);
});

test('--compat maps-harness: wrapped tickets and RPTs are redacted too, and the console still attributes each /perm', async () => {
  const { raw, out, all, bundle } = await exportedRun('maps-harness');
  const credentials = credentialsIn(raw);
  const wrappers = credentials.filter((c) => unwrapToken(c) !== c);
  // The run did hand out harness wrappers (tickets and RPTs), and they and their contents are gone.
  assert.ok(wrappers.length >= 4, `only ${wrappers.length} wrapped tokens found`);
  assertNoneSurvive(credentials, all);
  assert.not.ok(/eyJhY2Nlc3NfdG9rZW4i/.test(all), 'a harness wrapper survived');
  // Distinct tickets, distinct placeholders.
  const tickets = new Set(raw.filter((e) => e.path === '/perm' && e.status === 201).map((e) => (e.responseBody as { ticket: string }).ticket));
  const placeholders = new Set(bundle.journal.filter((e) => e.path === '/perm' && e.status === 201).map((e) => (e.responseBody as { ticket: string }).ticket));
  assert.ok(tickets.size >= 2, `${tickets.size} ticket(s)`);
  assert.is(placeholders.size, tickets.size);
  for (const p of placeholders) assert.match(p, /^\[redacted:ticket:\d+\]$/);
  const before = permAttribution(raw);
  assert.equal(permAttribution(bundle.journal), before);
  // As a user sees it: `cda-sim inspect --console` over the bundle.
  const served = await withInspectConsole(out, async (url) => {
    const timeline = (await (await fetch(`${url}api/timeline`)).json()) as { entries: { seq: number; path: string; testCase?: string }[] };
    assert.equal(timeline.entries.filter((t) => t.path === '/perm').map((t) => [t.seq, t.testCase ?? '(none)']), before);
  });
  assert.is(served.code, 0, served.output);
});

/** The text inside a PDF's deflated content streams (where a token would hide from a plain search). */
function inflatePdfStreams(pdf: Buffer): string {
  const out: string[] = [pdf.toString('latin1')];
  for (let i = pdf.indexOf('stream\n'); i >= 0; i = pdf.indexOf('stream\n', i + 1)) {
    const end = pdf.indexOf('endstream', i);
    try {
      out.push(zlib.inflateSync(pdf.subarray(i + 7, end)).toString('latin1'));
    } catch {
      // not a deflated stream (an image, a font)
    }
  }
  return out.join('\n');
}

test('the tar format: what we write, standard tar reads; what standard tar writes (ustar), we read', () => {
  const dir = tempDir();
  const file = path.join(dir, 'a.tar.gz');
  fs.writeFileSync(file, createTarGz([{ name: 'x/hello.txt', data: Buffer.from('hello') }, { name: 'x/empty', data: Buffer.alloc(0) }, { name: 'x/big.bin', data: Buffer.alloc(1500, 7) }], new Date('2026-11-24T10:00:00Z')));
  const listing = spawnSync('tar', ['-tvzf', file], { encoding: 'utf8' });
  assert.is(listing.status, 0, listing.stderr);
  assert.match(listing.stdout, /x\/hello\.txt/);
  assert.match(listing.stdout, /1500 .*x\/big\.bin/);
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(src, 'sub', 'f.json'), '{"a":1}');
  const made = spawnSync('tar', ['--format=ustar', '-czf', path.join(dir, 'b.tar.gz'), '-C', src, 'sub'], { encoding: 'utf8' });
  assert.is(made.status, 0, made.stderr);
  const read = readTarGz(fs.readFileSync(path.join(dir, 'b.tar.gz')));
  assert.equal(read.map((f) => [f.name, f.data.toString()]), [['sub/f.json', '{"a":1}']]);
});

test('a file that is not a bundle, or a damaged one, is refused with what is wrong', () => {
  const dir = tempDir();
  const write = (name: string, data: Buffer) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, data);
    return f;
  };
  const manifest = (o: object) => ({ name: 'r/bundle.json', data: Buffer.from(JSON.stringify({ format: 'cda-sim-bundle', formatVersion: 1, runId: 'r', createdAt: '', createdBy: '', redaction: '', missing: [], files: [], ...o })) });
  const cases: [string, Buffer, RegExp][] = [
    ['plain.txt', Buffer.from('hello'), /not a gzip file/],
    ['gz-not-tar.gz', zlib.gzipSync(Buffer.alloc(1024, 65)), /not a tar archive/],
    ['no-manifest.tar.gz', createTarGz([{ name: 'r/results.json', data: Buffer.from('{}') }], new Date()), /no bundle\.json manifest/],
    ['foreign.tar.gz', createTarGz([manifest({ format: 'something-else' })], new Date()), /"format" is "something-else"; a cda-sim bundle says "cda-sim-bundle"/],
    ['no-file-list.tar.gz', createTarGz([manifest({ files: 'all' })], new Date()), /"files" must list the archive's files/],
    ['newer.tar.gz', createTarGz([manifest({ formatVersion: 9 })], new Date()), /"formatVersion" is 9; .* reads format version 1/],
    ['tampered.tar.gz', createTarGz([manifest({ files: [{ name: 'results.json', bytes: 2, sha256: '0'.repeat(64) }] }), { name: 'r/results.json', data: Buffer.from('{}') }], new Date()), /results\.json does not match its sha256/],
  ];
  for (const [name, data, why] of cases) {
    const f = write(name, data);
    assert.throws(() => readBundle(f), (e: Error) => e.message.startsWith(`${f} is not a readable cda-sim bundle: `) && why.test(e.message), name);
  }
  assert.throws(() => readBundle(path.join(dir, 'nowhere.tar.gz')), /the file does not exist/);
});

test('every built-in scenario file stays playable once redacted: a step naming which token to send is no secret', () => {
  // S1-FT-* steps say "token": "user_token"; a bundle that replaced it could not be replayed.
  for (const name of ['connection-proving', 'stage1', 'stage2', 'system-test', 'oat']) {
    const redacted = redactValue(loadScenario(name)) as ReturnType<typeof loadScenario>;
    validateScenario(redacted, `${name}.json`);
  }
  assert.equal(redactValue({ token: 'user_token', access_token: 'find_request_token' }), { token: 'user_token', access_token: 'find_request_token' });
  assert.match(String((redactValue({ token: 'opaque-secret-value' }) as { token: string }).token), PLACEHOLDER);
});

test.run();
