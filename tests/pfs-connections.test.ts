// The PFS driver as the soak uses it, against the bench's find sink in its own process over HTTPS
// with mTLS: finds go over kept-alive connections (a handful for many finds, as a real pension
// finder service keeps them open), while a call that asks for a fresh connection (the mTLS probes of
// the system test) still gets one every time; a client certificate from another CA never reaches
// the sink's count; and the sink acknowledges only fresh, signed finds, which the bench relies on.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../simulator/core/clock.js';
import { createSigner } from '../simulator/crypto/jose.js';
import { call, type TlsClientOptions } from '../simulator/http/client.js';
import { PfsDriver } from '../simulator/pfs/pfs-driver.js';
import { Journal } from '../simulator/store/journal.js';
import { loadTestUsers } from '../simulator/testdata/users.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

const SINK = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'bench', 'find-sink.js');
let sink: ChildProcess;
let findUrl: string;
let tls: TlsClientOptions;
let driver: PfsDriver;
const users = loadTestUsers();

interface Counts {
  acknowledged: number;
  refused: number;
  verified: number;
  connections: number;
}
const counts = async () => (await call({ method: 'GET', url: findUrl.replace(/\/find$/, '/counts'), tls, freshConnection: true })).json as Counts;

test.before(async () => {
  const { dir, material } = await sharedMaterial();
  sink = spawn(process.execPath, [SINK, '--certs-dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  findUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the find sink printed no URL within 30 s')), 30_000);
    sink.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const m = /find sink: (\S+)/.exec(d);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  tls = { ca: material.ca.cert, cert: material.cdaClient.cert, key: material.cdaClient.key };
  driver = new PfsDriver({
    clock: systemClock,
    journal: new Journal(tempDir(), Date.now),
    pfsSigner: await createSigner(material.keys.pfs),
    rogueSigner: await createSigner(material.keys.rogue),
    pfsIssuer: 'https://pfs.cda-sim.localhost',
    caTokenEndpoint: () => 'https://localhost/token',
    findUrl,
    tls,
    timeoutMs: 10_000,
  });
});

test.after(() => {
  sink?.kill('SIGTERM');
});

test('finds go over kept-alive connections: 30 finds, 3 at a time, on at most 3 connections', async () => {
  const before = await counts();
  let next = 0;
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      while (next < 30) statuses.push((await driver.sendFind(users[next++ % users.length])).response?.status ?? 0);
    }),
  );
  const after = await counts();
  assert.equal(statuses, Array(30).fill(202));
  assert.is(after.acknowledged - before.acknowledged, 30);
  // The counts call itself takes a fresh connection: one of the new connections is its own.
  const findConnections = after.connections - before.connections - 1;
  assert.ok(findConnections >= 1 && findConnections <= 3, `${findConnections} connections for 30 finds`);
});

test('a call that asks for a fresh connection gets one each time (the mTLS probes keep their handshake)', async () => {
  const before = await counts();
  for (let i = 0; i < 3; i++) {
    const find = await driver.build(users[i]);
    const res = await call({ method: 'POST', url: find.url, headers: find.headers, body: find.body, tls, freshConnection: true });
    assert.is(res.status, 202);
  }
  const after = await counts();
  assert.is(after.acknowledged - before.acknowledged, 3);
  assert.is(after.connections - before.connections, 3 + 1, 'three finds and the counts call, one connection each');
});

test('the sink acknowledges a find once: a repeated X-Request-ID and an unsigned body are refused', async () => {
  const before = await counts();
  const find = await driver.build(users[0]);
  const first = await driver.send(users[0], find);
  const again = await driver.send(users[0], find);
  const unsigned = await driver.send(users[0], { ...(await driver.build(users[1])), body: JSON.stringify({ user_token: 'x', find_request_token: 'y' }) });
  assert.equal([first.response?.status, again.response?.status, unsigned.response?.status], [202, 400, 400]);
  const after = await counts();
  assert.is(after.acknowledged - before.acknowledged, 1);
  assert.is(after.refused - before.refused, 2);
});

test('a client certificate from another CA is refused in the handshake: no find reaches the count', async () => {
  const { material } = await sharedMaterial();
  const before = await counts();
  const find = await driver.build(users[0]);
  const foreign = { ca: material.ca.cert, cert: material.foreignClient.cert, key: material.foreignClient.key };
  const outcome = await call({ method: 'POST', url: find.url, headers: find.headers, body: find.body, tls: foreign, freshConnection: true }).then(
    (r) => `answered ${r.status}`,
    (err: Error) => `failed: ${err.message}`,
  );
  assert.match(outcome, /^failed/);
  assert.is((await counts()).acknowledged, before.acknowledged);
});

test.run();
