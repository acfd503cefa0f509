// The provider's view token key, as a provider configures it: a JWKS file or a PEM public key
// (the JWKS URL form is exercised by every rehearsal against the reference provider).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { createPublicKey } from 'node:crypto';
import { createSigner, generateKeyPair, JoseError } from '../simulator/crypto/jose.js';
import { viewTokenVerifier } from '../simulator/scenarios/context.js';
import { tempDir } from './helpers/fixtures.js';

test('a JWKS file and a PEM public key both verify the provider’s view data tokens, and refuse another key’s', async () => {
  const mine = await generateKeyPair('provider-key-1', 'sig');
  const other = await generateKeyPair('provider-key-1', 'sig');
  const dir = tempDir();
  const jwksFile = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: [mine.public] }));
  const pemFile = path.join(dir, 'key.pem');
  fs.writeFileSync(pemFile, createPublicKey({ key: mine.public as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string);
  const good = await (await createSigner(mine)).sign({ view_data: { arrangements: [] } });
  const forged = await (await createSigner(other)).sign({ view_data: { arrangements: [] } });
  for (const key of [{ jwksFile }, { pemFile }]) {
    const verifier = await viewTokenVerifier(key)();
    assert.equal((await verifier.verify(good)).payload.view_data, { arrangements: [] });
    try {
      await verifier.verify(forged);
      assert.unreachable(`a token signed by another key passed with ${Object.keys(key)[0]}`);
    } catch (err) {
      assert.instance(err, JoseError);
      assert.is((err as JoseError).code, 'BAD_SIGNATURE');
    }
  }
});

test('a PEM key verifies whatever kid each token names, many kids in turn, and still refuses another key’s under a kid it has seen', async () => {
  const mine = await generateKeyPair('provider-key-1', 'sig');
  const other = await generateKeyPair('provider-key-1', 'sig');
  const pemFile = path.join(tempDir(), 'key.pem');
  fs.writeFileSync(pemFile, createPublicKey({ key: mine.public as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string);
  const verifier = await viewTokenVerifier({ pemFile })();
  const signer = await createSigner(mine);
  for (let round = 0; round < 2; round++) {
    for (let k = 0; k < 12; k++) {
      const token = await signer.sign({ n: k }, { kid: `kid-${k}` });
      assert.equal((await verifier.verify(token)).payload, { n: k });
    }
  }
  const forged = await (await createSigner(other)).sign({ n: 0 }, { kid: 'kid-11' });
  try {
    await verifier.verify(forged);
    assert.unreachable('a token signed by another key passed under a kid already seen');
  } catch (err) {
    assert.is((err as JoseError).code, 'BAD_SIGNATURE');
  }
});

test.run();
