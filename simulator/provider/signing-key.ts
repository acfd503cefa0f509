// The provider's view-data signing key, kept in a file so that a restart keeps the same key (a
// dashboard that has cached the public key, or a config that pins it, keeps working). In PDP this
// is the JWT signing key from the provider's crypto pack (pdp-protocol §9.3); here it is generated
// on first use. The file holds a private key: it is written owner-read-only.
import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPair, type KeyPair } from '../crypto/jose.js';
import { DEFAULT_VIEW_KEY_KID } from './view-token.js';

export async function loadOrCreateSigningKey(file: string, kid = DEFAULT_VIEW_KEY_KID): Promise<KeyPair> {
  if (fs.existsSync(file)) {
    let pair: KeyPair;
    try {
      pair = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyPair;
    } catch (err) {
      throw new Error(`the signing key file ${file} cannot be read: ${(err as Error).message}`);
    }
    if (typeof pair.kid !== 'string' || !pair.private || !pair.public) throw new Error(`the signing key file ${file} is not a key pair {kid, use, private, public}`);
    return pair;
  }
  const pair = await generateKeyPair(kid, 'sig');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(pair, null, 2), { mode: 0o600 });
  return pair;
}
