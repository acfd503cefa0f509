// The PFS driver breaks exactly one token of a find, in exactly the way named, and leaves the other
// token valid: otherwise a provider could refuse a test find for a reason the test does not name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../simulator/core/clock.js';
import { createSigner, createVerifier, decodeUnsecured, hs256Verifies, publicKeyPem, type Verifier } from '../simulator/crypto/jose.js';
import { buildFindRequest, findVariantProblems, type FindRequest } from '../simulator/pfs/find-request.js';
import { FIND_TOKENS, TOKEN_CLAIMS, TOKEN_FLAWS, type FindToken, type TokenBreakage } from '../simulator/pfs/token-flaws.js';
import { sharedMaterial } from './helpers/fixtures.js';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const FIND_URL = 'https://provider.test/find';
const CA_TOKEN = 'https://cda.test/token';
const user = { sub: '0b6f8c1e-2d4a-4f7b-9c3e-5a1d2e3f4a5b', name: 'a'.repeat(40), findData: { name: { firstName: 'JANE', lastName: 'SMITH', verified: true } } };

async function build(variant?: TokenBreakage): Promise<{ request: FindRequest; verifier: Verifier; tokens: Record<FindToken, string> }> {
  const { material } = await sharedMaterial();
  const pfsSigner = await createSigner(material.keys.pfs);
  const request = await buildFindRequest({ user, clock: new ManualClock(NOW), pfsSigner, rogueSigner: await createSigner(material.keys.rogue), pfsIssuer: 'https://pfs.test', caTokenEndpoint: CA_TOKEN, findUrl: FIND_URL, variant });
  const body = JSON.parse(request.body) as Record<FindToken, string>;
  return { request, verifier: await createVerifier(material.jwks().keys), tokens: body };
}

const verifies = (v: Verifier, token: string) => v.verify(token).then(() => true, () => false);

/** Every breakage the model allows: each flaw on each token, one claim at a time for missing-claim. */
const ALL: TokenBreakage[] = FIND_TOKENS.flatMap((token) =>
  TOKEN_FLAWS.flatMap((flaw): TokenBreakage[] => {
    if (flaw === 'missing-claim') return TOKEN_CLAIMS[token].map((claim) => ({ token, flaw, claim }));
    if (flaw === 'request-id-mismatch' && token !== 'find_request_token') return [];
    return [{ token, flaw }];
  }),
);

test('a valid find: both tokens verify, carry every claim DESIGN gives them, and request_id is the X-Request-ID', async () => {
  const { request, verifier, tokens } = await build();
  for (const t of FIND_TOKENS) assert.ok(await verifies(verifier, tokens[t]), t);
  for (const c of TOKEN_CLAIMS.user_token) assert.ok(c in request.userTokenClaims, `user_token.${c}`);
  for (const c of TOKEN_CLAIMS.find_request_token) assert.ok(c in request.findTokenClaims, `find_request_token.${c}`);
  assert.is(request.findTokenClaims.request_id, request.requestId);
  assert.is(request.userToken, tokens.user_token);
});

for (const b of ALL) {
  const label = [b.token, b.flaw, b.claim].filter(Boolean).join(' ');
  test(`${label}: only that token is broken, in that way`, async () => {
    const { request, verifier, tokens } = await build(b);
    const other = FIND_TOKENS.find((t) => t !== b.token)!;
    assert.ok(await verifies(verifier, tokens[other]), `the ${other} stays valid`);
    const broken = decodeUnsecured(tokens[b.token])!;
    const now = NOW / 1000;
    const signatureOk = await verifies(verifier, tokens[b.token]);
    const claims = broken.payload;
    switch (b.flaw) {
      case 'bad-signature':
      case 'unknown-key':
        assert.is(broken.header.alg, 'RS256');
        assert.is(broken.header.kid === 'pfs-signing-key', b.flaw === 'bad-signature');
        assert.not.ok(signatureOk);
        break;
      case 'alg-none':
        assert.is(broken.header.alg, 'none');
        assert.ok(tokens[b.token].endsWith('.'), 'no signature');
        break;
      case 'alg-hs256': {
        const { material } = await sharedMaterial();
        assert.is(broken.header.alg, 'HS256');
        assert.ok(hs256Verifies(tokens[b.token], publicKeyPem(material.keys.pfs.public)), 'keyed with the PFS public key');
        break;
      }
      case 'expired':
        assert.ok(signatureOk && (claims.exp as number) < now);
        break;
      case 'not-yet-valid':
        assert.ok(signatureOk && (claims.nbf as number) > now && (claims.exp as number) > now);
        break;
      case 'wrong-issuer':
        assert.ok(signatureOk && claims.iss !== 'https://pfs.test');
        break;
      case 'wrong-audience':
        assert.ok(signatureOk && claims.aud !== (b.token === 'user_token' ? CA_TOKEN : FIND_URL));
        break;
      case 'missing-claim':
        assert.ok(signatureOk && !(b.claim! in claims), `no ${b.claim}`);
        // Every other claim is there.
        for (const c of TOKEN_CLAIMS[b.token].filter((x) => x !== b.claim)) assert.ok(c in claims, c);
        break;
      case 'request-id-mismatch':
        assert.ok(signatureOk && typeof claims.request_id === 'string' && claims.request_id !== request.requestId);
        break;
    }
    if (!['expired', 'not-yet-valid'].includes(b.flaw)) assert.ok(claims.exp === undefined || (claims.exp as number) > now, 'in date');
  });
}

test('scenario data can name only the breakages cda-sim can build', () => {
  assert.equal(findVariantProblems({ token: 'user_token', flaw: 'expired' }), []);
  assert.equal(findVariantProblems({ token: 'find_request_token', flaw: 'missing-claim', claim: 'request_id' }), []);
  assert.match(findVariantProblems({ token: 'user_token', flaw: 'missing-claim', claim: 'request_id' }).join(), /"claim" must name a claim of the user_token: iss, aud, sub, name, iat, nbf, exp, jti/);
  assert.match(findVariantProblems({ token: 'user_token', flaw: 'request-id-mismatch' }).join(), /a flaw of the find_request_token/);
  assert.match(findVariantProblems({ token: 'user_token', flaw: 'expired', claim: 'exp' }).join(), /"claim" goes only with the flaw missing-claim/);
  assert.match(findVariantProblems({ variant: 'expired', token: 'user_token', flaw: 'expired' }).join(), /either "variant" or "token" and "flaw"/);
  assert.match(findVariantProblems({ flaw: 'expired' }).join(), /"token" must be one of: user_token, find_request_token/);
});

test.run();
