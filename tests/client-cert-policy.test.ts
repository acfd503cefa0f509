// The client certificate rule on its own: purpose (clientAuth) and key strength, over real
// certificates of each kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import { clientCertViolation } from '../simulator/http/client-cert-policy.js';

type Extension = NonNullable<Parameters<typeof generate>[1]>['extensions'];

async function cert(opts: { keyType?: 'rsa' | 'ec'; keySize?: number; curve?: 'P-256' | 'P-384'; extensions: Extension }): Promise<X509Certificate> {
  const r = await generate([{ name: 'commonName', value: 'policy test' }], { algorithm: 'sha256', ...opts });
  return new X509Certificate(r.cert);
}

const clientAuth: Extension = [{ name: 'extKeyUsage', clientAuth: true }];

test('fit: RSA-2048, EC P-256 and EC P-384 with clientAuth', async () => {
  assert.is(clientCertViolation(await cert({ keySize: 2048, extensions: clientAuth })), undefined);
  assert.is(clientCertViolation(await cert({ keyType: 'ec', curve: 'P-256', extensions: clientAuth })), undefined);
  assert.is(clientCertViolation(await cert({ keyType: 'ec', curve: 'P-384', extensions: clientAuth })), undefined);
});

test('refused: serverAuth only, and no extended key usage at all, each naming the rule', async () => {
  const serverOnly = await cert({ extensions: [{ name: 'extKeyUsage', serverAuth: true }] });
  assert.is(clientCertViolation(serverOnly), "the client certificate's extended key usage (1.3.6.1.5.5.7.3.1) lacks clientAuth (1.3.6.1.5.5.7.3.2)");
  const none = await cert({ extensions: [{ name: 'basicConstraints', cA: false }] });
  assert.is(clientCertViolation(none), "the client certificate's extended key usage (none) lacks clientAuth (1.3.6.1.5.5.7.3.2)");
});

test('refused: an RSA key under 2048 bits, even with clientAuth', async () => {
  assert.is(clientCertViolation(await cert({ keySize: 1024, extensions: clientAuth })), "the client certificate's RSA key is 1024 bits; at least 2048 are required");
});

test.run();
