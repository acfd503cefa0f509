// Signatures made off the event loop: every one verifies, no more run at once than the pool's
// threads, a failing signature frees its thread, a closed pool refuses what it had not signed and
// starts again, an idle pool never keeps its process alive, and every signer shares the one pool.
import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, verify } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSigner, createVerifier, generateKeyPair } from '../simulator/crypto/jose.js';
import { SIGNING_THREADS, SigningPool, signingPool } from '../simulator/crypto/signing-pool.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

test('a burst of signatures runs at most `threads` at once, and each one verifies', async () => {
  const pool = new SigningPool(2);
  const inputs = Array.from({ length: 24 }, (_, i) => Buffer.from(`input ${i}`));
  const signatures = await Promise.all(inputs.map((d) => pool.sign(d, privateKey)));
  assert.is(pool.peak, 2);
  assert.is(pool.made, 24);
  signatures.forEach((s, i) => assert.ok(verify('sha256', inputs[i], publicKey, s), `signature ${i} verifies`));
  // A signature of one input never verifies another's: each was made of its own data.
  assert.not.ok(verify('sha256', inputs[1], publicKey, signatures[0]));
});

test('a signature that fails is refused and frees its thread for the next', async () => {
  const pool = new SigningPool(1);
  const notPrivate = createPrivateKey({ key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string });
  const failing = pool.sign(Buffer.from('x'), publicKey as unknown as typeof notPrivate);
  const after = pool.sign(Buffer.from('y'), notPrivate);
  const refused = await failing.then(() => undefined, (err: Error) => err);
  assert.instance(refused, Error);
  assert.ok(verify('sha256', Buffer.from('y'), publicKey, await after));
  assert.is(pool.made, 1);
});

test('a closed pool refuses the signatures it had not made, and the next signature starts a thread again', async () => {
  const pool = new SigningPool(1);
  const waiting = Array.from({ length: 50 }, (_, i) => pool.sign(Buffer.from(`input ${i}`), privateKey).then(() => 'signed', (err: Error) => err.message));
  await new Promise((r) => setTimeout(r, 5));
  await pool.close();
  const outcomes = await Promise.all(waiting);
  assert.ok(outcomes.includes('the signing pool was closed'), `some were refused: ${[...new Set(outcomes)].join(', ')}`);
  assert.ok(outcomes.every((o) => o === 'signed' || o === 'the signing pool was closed'));
  const again = await pool.sign(Buffer.from('after'), privateKey);
  assert.ok(verify('sha256', Buffer.from('after'), publicKey, again));
  await pool.close();
});

test('a process whose signatures are all made exits by itself: an idle signing thread keeps nothing alive', () => {
  const script = `import { generateKeyPairSync } from 'node:crypto';
    import { signingPool } from ${JSON.stringify(new URL('../simulator/crypto/signing-pool.js', import.meta.url).href)};
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await signingPool.start();
    const s = await signingPool.sign(Buffer.from('x'), privateKey);
    console.log('signed', s.length);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.is(child.error, undefined, 'it exited within 20 s');
  assert.is(child.status, 0, child.stderr);
  assert.is(child.stdout.trim(), 'signed 256');
});

test('a pool whose threads cannot start signs without them, and says why', async () => {
  const pool = new SigningPool(2, { threadScript: new URL('./no-such-signing-thread.js', import.meta.url) });
  const inputs = Array.from({ length: 6 }, (_, i) => Buffer.from(`input ${i}`));
  const signatures = await Promise.all(inputs.map((d) => pool.sign(d, privateKey)));
  signatures.forEach((s, i) => assert.ok(verify('sha256', inputs[i], publicKey, s), `signature ${i} verifies`));
  assert.is(pool.made, 6);
  assert.match(pool.fallback ?? '', /no-such-signing-thread|exited|Cannot find/);
  await pool.start(); // starts nothing now
  assert.ok(verify('sha256', Buffer.from('later'), publicKey, await pool.sign(Buffer.from('later'), privateKey)));
});

test("under Node's permission model, where worker threads may not start, a process still signs", () => {
  const script = `import { generateKeyPairSync } from 'node:crypto';
    import { signingPool } from ${JSON.stringify(new URL('../simulator/crypto/signing-pool.js', import.meta.url).href)};
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const s = await signingPool.sign(Buffer.from('x'), privateKey);
    console.log('signed', s.length, signingPool.fallback ? 'without threads' : 'on threads');`;
  const child = spawnSync(process.execPath, ['--experimental-permission', '--allow-fs-read=*', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.is(child.status, 0, child.stderr);
  assert.is(child.stdout.trim(), 'signed 256 without threads');
  assert.match(child.stderr, /signing threads could not start/);
});

test("every signer signs through the process's one pool, within its threads", async () => {
  assert.ok(SIGNING_THREADS >= 1);
  assert.is(signingPool.threads, SIGNING_THREADS);
  const pair = await generateKeyPair('pool-test', 'sig');
  const signer = await createSigner(pair);
  const verifier = await createVerifier([pair.public]);
  const before = signingPool.made;
  const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => signer.sign({ n: i })));
  assert.is(signingPool.made - before, 10);
  assert.ok(signingPool.peak <= SIGNING_THREADS);
  for (const [i, t] of tokens.entries()) assert.equal((await verifier.verify(t)).payload, { n: i });
});

test.run();
