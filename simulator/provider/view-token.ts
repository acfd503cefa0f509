// The signed view response: 200 {"view_data_token": "<JWS>"} (pdp-protocol §7.4).
//
// Signed RS256 with the provider's own key, kid in the header; dashboards verify it with the
// provider's public key (published here at /.well-known/jwks.json). Claims, as MaPS's emulators
// use them (the official set is not public): iss (this provider), aud (the C&A token endpoint),
// sub (the PeI as a dashboard writes it, holdernameGuid:assetGuid), iat, nbf, exp (iat + 600 s),
// jti, and view_data: the view payload, an object {arrangements: [...]}.
//
// A possible match carries ONLY limited administrative data (Regulation 23(4)(b), pdp-protocol
// §2.1 and §7.4; data-standards §3.3): one arrangement with possibleMatch true, the reference the
// member quotes, the scheme name, and who to contact.
import { randomUUID } from 'node:crypto';
import { createSigner, generateKeyPair, unsecuredJws, type Jwk, type KeyPair, type Signer } from '../crypto/jose.js';
import type { PensionRecord } from '../testdata/records.js';
import type { Faults } from './faults.js';
import type { MatchStatus } from './matching.js';

export const VIEW_TOKEN_LIFETIME_SECONDS = 600;
export const DEFAULT_VIEW_KEY_KID = 'reference-provider-view-key';

export interface ViewTokenIssuer {
  publicJwks: { keys: Jwk[] };
  issue(record: PensionRecord, matchStatus: MatchStatus): Promise<string>;
}

/** What a dashboard may see: everything for a definite match, the limited arrangement for a possible one. */
export function viewDataFor(record: PensionRecord, matchStatus: MatchStatus): { arrangements: Record<string, unknown>[] } {
  if (matchStatus === 'match-yes') return record.viewData;
  const definite = record.viewData.arrangements.find((a) => a.possibleMatch === false) ?? record.viewData.arrangements[0];
  return {
    arrangements: [
      {
        possibleMatch: true,
        possibleMatchReference: record.possibleMatchReference,
        pensionProviderSchemeName: record.schemeName,
        pensionAdministrator: definite?.pensionAdministrator,
      },
    ],
  };
}

export async function createViewTokenIssuer(opts: { key: KeyPair; providerId: string; audience: string; now: () => number; faults: Faults }): Promise<ViewTokenIssuer> {
  let signer: Signer = await createSigner(opts.key);
  if (opts.faults.has('wrongly-signed-view-data')) {
    // FAULT (for cda-sim's own tests): sign with a key that is not published, while claiming the published kid.
    const stray = await createSigner(await generateKeyPair(`${opts.key.kid}-unpublished`, 'sig'));
    signer = { kid: opts.key.kid, publicJwk: stray.publicJwk, sign: (claims, header) => stray.sign(claims, { ...header, kid: opts.key.kid }) };
  }
  return {
    publicJwks: { keys: [opts.key.public] },
    async issue(record, matchStatus) {
      const iat = Math.floor(opts.now() / 1000);
      const claims = {
        iss: opts.providerId,
        aud: opts.audience,
        sub: `${record.holdernameGuid}:${record.assetGuid}`,
        iat,
        nbf: iat,
        exp: iat + VIEW_TOKEN_LIFETIME_SECONDS,
        jti: randomUUID(),
        // FAULT (for cda-sim's own tests): the full data even for a possible match.
        view_data: viewDataFor(record, opts.faults.has('full-data-for-possible-match') ? 'match-yes' : matchStatus),
      };
      // FAULT (for cda-sim's own tests): an unsecured JWS (alg "none", empty signature).
      if (opts.faults.has('unsigned-view-data')) return unsecuredJws(claims);
      return signer.sign(claims);
    },
  };
}
